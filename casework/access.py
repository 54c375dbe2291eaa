"""Who may see what: scoped querysets, fetch-or-404, role checks. Deny by default.

A record outside the user's scope answers 404 (its existence is not revealed); an action the
role may not take on a visible record answers 403 (PRODUCT §2).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest

from casework.choices import AccessAction, Role

if TYPE_CHECKING:
    from casework.models import Case, User


CASE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)

# Other apps add ways a user may see a child (the shelter: children in its care), without
# casework importing them (STYLE: dependencies point one way).
ChildScope = Callable[["User"], Q | None]
_child_scopes: list[ChildScope] = []


def register_child_scope(scope: ChildScope) -> ChildScope:
    _child_scopes.append(scope)
    return scope


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def supervised_team_ids(user: User) -> models.QuerySet:
    from casework.models import Membership

    return Membership.objects.filter(user=user, is_supervisor=True).values("team_id")


@cache
def _permission_id(app_label: str, codename: str) -> int:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(content_type__app_label=app_label, codename=codename).pk


def assigned_cases(queryset: models.QuerySet[Case], user: User) -> models.QuerySet[Case]:
    """Cases the user holds the object permission `view_case` on (django-guardian's direct-FK
    table), with no global permission and no superuser bypass.

    Same answer as guardian's get_objects_for_user(user, "casework.view_case",
    accept_global_perms=False, with_superuser=False, use_groups=False) — a test holds them
    equal — but it names the permission by id: guardian's join through auth_permission makes
    PostgreSQL misjudge how many cases a worker holds, and at 100,000 cases it sorted every
    one of them instead of reading the newest fifty from the index.
    """
    return queryset.filter(_assignment_condition(user))


def _assignment_condition(user: User) -> Exists:
    from casework.models import CaseUserObjectPermission

    return Exists(
        CaseUserObjectPermission.objects.filter(
            user_id=user.pk,
            permission_id=_permission_id("casework", "view_case"),
            content_object_id=OuterRef("pk"),
        )
    )


def scope_cases(queryset: models.QuerySet[Case], user: User) -> models.QuerySet[Case]:
    """Cases assigned to the user (object permission), and a supervisor's team cases."""
    if not is_active_user(user) or not user.has_role(*CASE_ROLES):
        return queryset.none()
    if user.has_role(Role.SUPERVISOR):
        # Team first: most of a supervisor's rows match it and skip the permission probe.
        return queryset.filter(
            Q(team_id__in=supervised_team_ids(user)) | Q(_assignment_condition(user))
        )
    return queryset.filter(_assignment_condition(user))


def scope_children(queryset: models.QuerySet, user: User) -> models.QuerySet:
    """Children with a case the user may see, plus what other apps register."""
    if not is_active_user(user):
        return queryset.none()
    from casework.models import Case

    condition = Q(pk__in=Case.objects.visible_to(user).values("child_id"))
    for scope in _child_scopes:
        extra = scope(user)
        if extra is not None:
            condition |= extra
    return queryset.filter(condition)


def get_visible_or_404[M: models.Model](queryset: models.QuerySet[M], pk: Any) -> M:
    """The one way to fetch by id: the object if it is in the scoped queryset, else 404."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError) as exc:
        raise Http404 from exc


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


def can_change_case(user: User, case: Case) -> bool:
    """Assigned workers (change permission) and the team's supervisors, while the case is open."""
    if case.is_closed or not is_active_user(user):
        return False
    if user.has_role(Role.SUPERVISOR) and is_supervisor_of(user, case.team_id):
        return True
    return user.has_role(Role.CASEWORKER) and user.has_perm("casework.change_case", case)


def is_supervisor_of(user: User, team_id: int) -> bool:
    cache = getattr(user, "_supervised_cache", None)
    if cache is None:
        cache = set(supervised_team_ids(user).values_list("team_id", flat=True))
        user._supervised_cache = cache
    return team_id in cache


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def log_access(request: HttpRequest, obj: models.Model, action: str = AccessAction.VIEW) -> None:
    """One insert per view of a protected record (PRODUCT §3: who read it is itself a record)."""
    from casework.models import AccessLog

    AccessLog.objects.create(
        user=request.user,
        record_type=obj._meta.label,
        record_id=str(obj.pk),
        action=action,
        ip_address=client_ip(request),
        path=request.get_full_path()[:500],
    )
