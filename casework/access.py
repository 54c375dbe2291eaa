"""How views reach records: fetch-or-404 with what the user may do, role gates, the access log.

The rules themselves live with the models (`rule(user, action)` on each protected QuerySet,
casework/models/scoping.py); this module only applies them. Models never import it.

A record outside the user's scope answers 404 (its existence is not revealed); an action the
user may not take on a visible record answers 403 (PRODUCT §2).
"""

from __future__ import annotations

import ipaddress
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest

from casework.choices import AccessAction, Role
from casework.models import AccessLog
from casework.models.scoping import Scoped, ScopedQuerySet

CASE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)
# Who may open a case file at all: the case roles, and a 子ども家庭支援センター worker to whom the
# case's supervisor has shared it (PRODUCT §2: no 児童相談所 case notes unless assigned to it).
CASE_READERS = (*CASE_ROLES, Role.NETWORK)


def fetch_or_404[M: models.Model](queryset: ScopedQuerySet, user: Any, pk: Any) -> M:
    """The one way to fetch by id: the object, annotated with what `user` may do with it
    (`obj.allowed`), if the user may see it; otherwise 404, as if it did not exist."""
    try:
        return queryset.visible_to(user).with_allowed(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def get_or_404[M: models.Model](queryset: models.QuerySet[M], pk: Any) -> M:
    """A row of an already scoped queryset (e.g. a household member of a child in scope)."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


def require(obj: Scoped, action: str) -> None:
    """403 unless the fetched object allows the action."""
    if not obj.may(action):
        raise PermissionDenied


def require_roles(*roles: str):
    """View decorator: 403 unless the user holds one of the roles."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the access log and the lockout (django-axes calls this too).

    REMOTE_ADDR, unless it is one of `MIMAMORI_TRUSTED_PROXIES`: then X-Forwarded-For is read
    from the right, skipping our own proxies, and the first address they did not add is the
    client. Addresses a client wrote into the header itself sit further left and are never
    reached, so nobody can choose the address their failures are counted against."""
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = set(settings.MIMAMORI_TRUSTED_PROXIES)
    if not trusted or remote not in trusted:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",")]):
        if hop and hop not in trusted:
            return hop if _is_ip(hop) else remote
    return remote


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def log_access(request: HttpRequest, obj: models.Model, action: str = AccessAction.VIEW) -> None:
    """One insert per view of a protected record (PRODUCT §3: who read it is itself a record)."""
    log_access_by(request, obj._meta.label, str(obj.pk), action)


def log_access_by(request: HttpRequest, record_type: str, record_id: str, action: str) -> None:
    AccessLog.objects.create(
        user=request.user,
        record_type=record_type,
        record_id=record_id[:40],
        action=action,
        ip_address=client_ip(request),
        path=request.get_full_path()[:500],
    )


def log_sign_in(request: HttpRequest, user: Any, action: str) -> None:
    """A second-factor attempt, successful or not, in the access log (the auditor's
    /audit/access/): who, when, from which address. django-axes keeps its own records too."""
    AccessLog.objects.create(
        user=user,
        record_type=user._meta.label,
        record_id=str(user.pk),
        action=action,
        ip_address=client_ip(request),
        path=request.path[:500],
    )
