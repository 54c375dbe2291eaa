"""Who may see and change stays. Deny by default; 404 outside scope, 403 for the role.

- Shelter staff see children currently in protection or discharged in the last 30 days, and
  only what daily care needs — never case files (PRODUCT §2).
- Supervisors see the board (the shelter is shared by the teams) and the stays of their cases.
- Caseworkers see the stays of the cases they may open, on the case timeline and child page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.utils import timezone

from casework.access import CASE_ROLES, can_change_case, is_active_user
from casework.choices import Role

if TYPE_CHECKING:
    from casework.models import User
    from shelter.models import Stay

RECENT_DAYS = 30
BOARD_ROLES = (Role.SHELTER, Role.SUPERVISOR)  # see the board; admit, move and discharge


def recent_condition(prefix: str = "") -> Q:
    """Stays in protection now or ended in the last RECENT_DAYS days."""
    since = timezone.localdate() - timedelta(days=RECENT_DAYS)
    return Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": since})


def scope_stays(queryset: models.QuerySet[Stay], user: User) -> models.QuerySet[Stay]:
    if not is_active_user(user):
        return queryset.none()
    condition = Q(pk__in=[])
    if user.has_role(*BOARD_ROLES):
        condition |= recent_condition()
    if user.has_role(*CASE_ROLES):
        from casework.models import Case

        condition |= Q(case__in=Case.objects.visible_to(user).values("pk"))
    return queryset.filter(condition)


def shelter_child_scope(user: User) -> Q | None:
    """Registered with casework: shelter staff may see the children in their care."""
    if not is_active_user(user) or not user.has_role(Role.SHELTER):
        return None
    from shelter.models import Stay

    return Q(pk__in=Stay.objects.filter(recent_condition()).values("child_id"))


def can_manage_beds(user: User, stay: Stay | None = None) -> bool:
    """Admit, move and discharge: shelter staff and supervisors."""
    return is_active_user(user) and user.has_role(*BOARD_ROLES)


def may_record(user: User, stay: Stay) -> bool:
    """Consent, warrant, extension and school liaison: shelter staff, supervisors, and the
    workers who may change the stay's case (the 児童福祉司 usually files the warrant)."""
    return can_manage_beds(user) or can_change_case(user, stay.case)


def can_record(user: User, stay: Stay) -> bool:
    """may_record, while the stay lasts."""
    return stay.ended_on is None and may_record(user, stay)
