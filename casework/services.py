"""Writes for casework. Every write names the acting user and a reason for the history."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from casework import rules
from casework.choices import CaseStatus, Profession
from casework.models import Case, CaseEvent, CaseWorker, Child, Team, User

CASE_PERMS = ("casework.view_case", "casework.change_case")


def save_with_history(obj: models.Model, *, actor: User | None, reason: str = "") -> None:
    """full_clean() then save(), recording who did it and why in the history row."""
    obj._history_user = actor
    obj._change_reason = reason
    obj.full_clean()
    obj.save()


def case_event(*, case: Case, actor: User | None, kind: str, text: str) -> CaseEvent:
    event = CaseEvent(case=case, actor=actor, kind=kind, text=text, at=timezone.now())
    save_with_history(event, actor=actor, reason=text)
    return event


def _next_seq(fiscal_year: int) -> int:
    current = Case.objects.filter(fiscal_year=fiscal_year).aggregate(m=Max("seq"))["m"]
    return (current or 0) + 1


@transaction.atomic
def case_open(
    *,
    actor: User,
    child: Child,
    team: Team,
    lead: User,
    category: int,
    opened_on: date,
    summary: str = "",
    reason: str = "受理",
) -> Case:
    """Accept (受理) a new case for a child in a team, with its lead worker granted access."""
    fiscal_year = rules.fiscal_year_of(opened_on)
    for _attempt in range(5):
        case = Case(
            fiscal_year=fiscal_year,
            seq=_next_seq(fiscal_year),
            child=child,
            team=team,
            lead=lead,
            category=category,
            opened_on=opened_on,
            summary=summary,
            status=CaseStatus.ACCEPTED,
        )
        try:
            with transaction.atomic():
                save_with_history(case, actor=actor, reason=reason)
            break
        except (IntegrityError, ValidationError) as exc:
            if "case_number_unique" not in str(exc) and "fiscal_year" not in str(exc):
                raise
    else:  # pragma: no cover - five concurrent collisions
        raise IntegrityError("case number allocation failed")
    case_assign(
        actor=actor,
        case=case,
        user=lead,
        role=lead.profession or Profession.WELFARE,
        is_lead=True,
        announce=False,
    )
    case_event(
        case=case,
        actor=actor,
        kind="accepted",
        text=f"ケース {case.number} を受理（主担当：{lead}）",
    )
    return case


@transaction.atomic
def case_assign(
    *,
    actor: User,
    case: Case,
    user: User,
    role: str,
    is_lead: bool = False,
    announce: bool = True,
) -> CaseWorker:
    """Put a worker on a case and grant the object permissions in the same transaction."""
    worker = CaseWorker.objects.filter(case=case, user=user, active=True).first()
    if worker is None:
        worker = CaseWorker(case=case, user=user, role=role, is_lead=is_lead)
    else:
        worker.role, worker.is_lead = role, is_lead
    save_with_history(worker, actor=actor, reason="担当者の割当")
    for perm in CASE_PERMS:
        assign_perm(perm, user, case)
    if announce:
        label = "主担当" if is_lead else worker.get_role_display()
        case_event(case=case, actor=actor, kind="assigned", text=f"{user} を{label}として割当")
    return worker


@transaction.atomic
def case_unassign(*, actor: User, case: Case, user: User, reason: str) -> None:
    """Take a worker off a case; their object permissions go in the same transaction."""
    for worker in CaseWorker.objects.filter(case=case, user=user, active=True):
        worker.active = False
        worker.ended_at = timezone.now()
        save_with_history(worker, actor=actor, reason=reason)
    for perm in CASE_PERMS:
        remove_perm(perm, user, case)
    case_event(case=case, actor=actor, kind="unassigned", text=f"{user} の担当を解除（{reason}）")
