"""Who may see and act on consultations. Deny by default; 404 outside scope, 403 for the role.

- Intake staff see the consultations their team received (the queue), never case files.
- Supervisors see their teams' consultations and those of the cases they may open; they accept
  (受理) or close them.
- Caseworkers see the consultation behind a case they may open (the lead and co-workers).
- The reporter (通告者) is shown only to the receiving team's supervisors, the supervisors of the
  resulting case's team and its lead worker; every reveal is logged (DOMAIN §3).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q

from casework.access import can_change_case, is_active_user, is_supervisor_of, supervised_team_ids
from casework.choices import Role

if TYPE_CHECKING:
    from casework.models import User
    from intake.models import Consultation

INTAKE_ROLES = (Role.INTAKE, Role.SUPERVISOR)  # the queue and new consultations
DETAIL_ROLES = (Role.INTAKE, Role.SUPERVISOR, Role.CASEWORKER)
REPORT_ROLES = (Role.INTAKE, Role.SUPERVISOR, Role.AUDITOR)  # statistics: no personal data


def member_team_ids(user: User) -> models.QuerySet:
    from casework.models import Membership

    return Membership.objects.filter(user=user, team__active=True).values("team_id")


def queue_team_ids(user: User) -> models.QuerySet:
    """The teams whose queue the user works: intake staff their teams, supervisors theirs."""
    from casework.models import Membership

    memberships = Membership.objects.filter(user=user, team__active=True)
    if not user.has_role(Role.INTAKE):
        memberships = memberships.filter(is_supervisor=True)
    return memberships.values("team_id")


def scope_consultations(queryset: models.QuerySet, user: User) -> models.QuerySet:
    if not is_active_user(user) or not user.has_role(*DETAIL_ROLES):
        return queryset.none()
    condition = Q(pk__in=[])
    if user.has_role(Role.INTAKE):
        condition |= Q(team_id__in=member_team_ids(user))
    if user.has_role(Role.SUPERVISOR):
        condition |= Q(team_id__in=supervised_team_ids(user))
    if user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        from casework.models import Case

        # Correlated EXISTS, not IN (…): under an OR, IN would build the whole set of the
        # user's visible cases (100,000 for a supervisor) for every query.
        condition |= Q(Exists(Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))))
    return queryset.filter(condition)


def intake_child_scope(user: User) -> Q | None:
    """Registered with casework: intake staff and supervisors see the children of the
    consultations their teams received (to pick an existing child, to read the child page)."""
    if not is_active_user(user):
        return None
    from intake.models import Consultation

    teams = Q(pk__in=[])
    if user.has_role(Role.INTAKE):
        teams |= Q(team_id__in=member_team_ids(user))
    if user.has_role(Role.SUPERVISOR):
        teams |= Q(team_id__in=supervised_team_ids(user))
    if not user.has_role(Role.INTAKE, Role.SUPERVISOR):
        return None
    return Q(pk__in=Consultation.objects.filter(teams).values("child_id"))


def can_decide(user: User, consultation: Consultation) -> bool:
    """Accept (受理) or close: a supervisor of the receiving team, while it is open."""
    return (
        consultation.is_open
        and is_active_user(user)
        and user.has_role(Role.SUPERVISOR)
        and is_supervisor_of(user, consultation.team_id)
    )


def can_see_reporter(user: User, consultation: Consultation) -> bool:
    if not is_active_user(user):
        return False
    if user.has_role(Role.SUPERVISOR) and is_supervisor_of(user, consultation.team_id):
        return True
    case = consultation.case
    if case is None:
        return False
    if user.has_role(Role.SUPERVISOR) and is_supervisor_of(user, case.team_id):
        return True
    return case.lead_id == user.pk and user.has_role(Role.CASEWORKER, Role.SUPERVISOR)


def can_confirm_safety(user: User, consultation: Consultation) -> bool:
    """Record a safety confirmation: the receiving team's supervisors, and once there is a case,
    everyone who may change it (its workers and its team's supervisors)."""
    if consultation.safety_due_at is None or not is_active_user(user):
        return False
    if user.has_role(Role.SUPERVISOR) and is_supervisor_of(user, consultation.team_id):
        return True
    return consultation.case is not None and can_change_case(user, consultation.case)
