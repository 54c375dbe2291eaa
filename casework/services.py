"""Writes for casework. Every write names the acting user and a reason for the history."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
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


# --- status, plan and closure -------------------------------------------------------------

# Forward moves a worker may make by hand. 援助方針決定 comes only from a supervisor's approval of
# the plan, and 終結 only from a supervisor's approval of the closure (PRODUCT §3).
MANUAL_MOVES: dict[str, set[str]] = {
    CaseStatus.ACCEPTED: {CaseStatus.INVESTIGATION},
    CaseStatus.INVESTIGATION: {CaseStatus.JUDGMENT},
    CaseStatus.JUDGMENT: set(),
    CaseStatus.PLAN_DECIDED: {CaseStatus.IN_SUPPORT},
    CaseStatus.IN_SUPPORT: set(),
    CaseStatus.CLOSED: set(),
}
PLAN_STATUSES = {CaseStatus.JUDGMENT, CaseStatus.PLAN_DECIDED, CaseStatus.IN_SUPPORT}


class CaseRuleError(ValidationError):
    """A move the rules do not allow; the message is shown to the user in Japanese."""


def _require_open(case: Case) -> None:
    if case.is_closed:
        raise CaseRuleError("終結したケースは変更できません。")


def _require_can_change(actor: User, case: Case) -> None:
    from casework.access import can_change_case

    _require_open(case)
    if not can_change_case(actor, case):
        raise PermissionDenied


def _require_team_supervisor(actor: User, case: Case) -> None:
    from casework.access import is_supervisor_of

    if not (actor.has_role("supervisor") and is_supervisor_of(actor, case.team_id)):
        raise PermissionDenied


@transaction.atomic
def case_move_status(*, actor: User, case: Case, to: str, reason: str = "") -> Case:
    """Move a case one step forward (受理→調査→判定, 援助方針決定→援助中)."""
    _require_can_change(actor, case)
    if to not in MANUAL_MOVES.get(case.status, set()):
        raise CaseRuleError(
            f"「{case.get_status_display()}」から「{CaseStatus(to).label}」へは移せません。"
        )
    before = case.get_status_display()
    case.status = to
    save_with_history(case, actor=actor, reason=reason or "状態の変更")
    case_event(
        case=case,
        actor=actor,
        kind="status",
        text=f"状態を「{before}」から「{case.get_status_display()}」へ変更"
        + (f"（{reason}）" if reason else ""),
    )
    return case


@transaction.atomic
def case_propose_plan(*, actor: User, case: Case, kind: str, detail: str) -> Case:
    """A worker proposes the support plan (援助方針); a supervisor must approve it."""
    _require_can_change(actor, case)
    if case.status not in PLAN_STATUSES:
        raise CaseRuleError("援助方針は判定の後に申請できます。")
    if case.plan_state == "pending":
        raise CaseRuleError(
            "承認待ちの援助方針があります。承認または差戻しの後に申請してください。"
        )
    case.plan_kind, case.plan_detail = kind, detail
    case.plan_state, case.plan_requested_by = "pending", actor
    case.plan_approved_by, case.plan_approved_at = None, None
    save_with_history(case, actor=actor, reason="援助方針の申請")
    case_event(
        case=case,
        actor=actor,
        kind="plan_requested",
        text=f"援助方針「{case.get_plan_kind_display()}」の承認を申請",
    )
    return case


@transaction.atomic
def case_decide_plan(*, actor: User, case: Case, approve: bool, comment: str = "") -> Case:
    """The team's supervisor approves or returns the plan; nobody approves their own."""
    _require_open(case)
    _require_team_supervisor(actor, case)
    if case.plan_state != "pending":
        raise CaseRuleError("承認待ちの援助方針はありません。")
    if case.plan_requested_by_id == actor.pk:
        raise CaseRuleError(
            "自分が申請した援助方針は承認できません。別のスーパーバイザーに依頼してください。"
        )
    if approve:
        case.plan_state, case.plan_approved_by = "approved", actor
        case.plan_approved_at = timezone.now()
        if case.status == CaseStatus.JUDGMENT:
            case.status = CaseStatus.PLAN_DECIDED
        text = f"援助方針「{case.get_plan_kind_display()}」を承認"
    else:
        case.plan_state = "returned"
        text = "援助方針を差戻し"
    if comment:
        text += f"（{comment}）"
    save_with_history(case, actor=actor, reason=text)
    case_event(case=case, actor=actor, kind="plan_decided", text=text)
    return case


@transaction.atomic
def case_request_closure(*, actor: User, case: Case, outcome: str, reason: str) -> Case:
    _require_can_change(actor, case)
    if case.closure_state == "pending":
        raise CaseRuleError("終結はすでに承認待ちです。")
    case.closure_state, case.closure_outcome = "pending", outcome
    case.closure_reason, case.closure_requested_by = reason, actor
    save_with_history(case, actor=actor, reason="終結の申請")
    case_event(
        case=case,
        actor=actor,
        kind="closure_requested",
        text=f"終結（{case.get_closure_outcome_display()}）の承認を申請",
    )
    return case


@transaction.atomic
def case_decide_closure(
    *, actor: User, case: Case, approve: bool, closed_on: date | None = None, comment: str = ""
) -> Case:
    """Closure needs the team supervisor's approval; the requester cannot approve it."""
    _require_open(case)
    _require_team_supervisor(actor, case)
    if case.closure_state != "pending":
        raise CaseRuleError("承認待ちの終結申請はありません。")
    if case.closure_requested_by_id == actor.pk:
        raise CaseRuleError(
            "自分が申請した終結は承認できません。別のスーパーバイザーに依頼してください。"
        )
    if approve:
        closed_on = closed_on or timezone.localdate()
        if closed_on < case.opened_on:
            raise CaseRuleError("終結日は受理日より後の日付にしてください。")
        case.closure_state, case.closure_approved_by = "approved", actor
        case.status, case.closed_on = CaseStatus.CLOSED, closed_on
        text = f"終結を承認（{case.get_closure_outcome_display()}）"
    else:
        case.closure_state = "returned"
        text = "終結申請を差戻し"
    if comment:
        text += f"（{comment}）"
    save_with_history(case, actor=actor, reason=text)
    case_event(case=case, actor=actor, kind="closure_decided", text=text)
    return case


@transaction.atomic
def case_transfer(*, actor: User, case: Case, new_lead: User, team: Team, reason: str) -> Case:
    """Hand the case to a new lead (and team); the old lead loses access in the same transaction."""
    from casework.models import Membership

    _require_open(case)
    _require_team_supervisor(actor, case)
    if not reason.strip():
        raise CaseRuleError("移管の理由を入力してください。")
    if not Membership.objects.filter(team=team, user=new_lead).exists():
        raise CaseRuleError(f"{new_lead} は {team} の職員ではありません。")
    if not new_lead.has_role("caseworker", "supervisor"):
        raise CaseRuleError(f"{new_lead} はケースを担当できる役割ではありません。")
    if new_lead.pk == case.lead_id and team.pk == case.team_id:
        raise CaseRuleError("現在と同じ担当・係です。")
    old_lead, old_team = case.lead, case.team
    if new_lead.pk != old_lead.pk:
        case_unassign(actor=actor, case=case, user=old_lead, reason=f"移管：{reason}")
    if team.pk != old_team.pk:
        # Co-workers of the old team go too: the case now belongs to another team.
        for worker in CaseWorker.objects.filter(case=case, active=True).select_related("user"):
            if not Membership.objects.filter(team=team, user=worker.user).exists():
                case_unassign(actor=actor, case=case, user=worker.user, reason=f"移管：{reason}")
    case.lead, case.team = new_lead, team
    save_with_history(case, actor=actor, reason=f"移管：{reason}")
    case_assign(
        actor=actor,
        case=case,
        user=new_lead,
        role=new_lead.profession or Profession.WELFARE,
        is_lead=True,
        announce=False,
    )
    case_event(
        case=case,
        actor=actor,
        kind="transferred",
        text=f"{old_team}・{old_lead} から {team}・{new_lead} へ移管（{reason}）",
    )
    return case


@transaction.atomic
def case_add_worker(*, actor: User, case: Case, user: User, role: str) -> CaseWorker:
    """A supervisor adds a co-worker (児童心理司, 保健師, 医師, 弁護士…) from the case's team."""
    from casework.models import Membership

    _require_open(case)
    _require_team_supervisor(actor, case)
    if not Membership.objects.filter(team_id=case.team_id, user=user).exists():
        raise CaseRuleError(f"{user} は {case.team} の職員ではありません。")
    if CaseWorker.objects.filter(case=case, user=user, active=True).exists():
        raise CaseRuleError(f"{user} はすでにこのケースの担当です。")
    return case_assign(actor=actor, case=case, user=user, role=role)


@transaction.atomic
def case_remove_worker(*, actor: User, case: Case, user: User, reason: str) -> None:
    _require_open(case)
    _require_team_supervisor(actor, case)
    if user.pk == case.lead_id:
        raise CaseRuleError("主担当は解除できません。移管で担当を替えてください。")
    case_unassign(actor=actor, case=case, user=user, reason=reason or "担当の解除")


# --- notes and school liaison --------------------------------------------------------------


@transaction.atomic
def note_add(*, actor: User, case: Case, kind: str, occurred_at, body: str):
    from casework.models import CaseNote

    _require_can_change(actor, case)
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise CaseRuleError("実施日時に未来の日時は入力できません。")
    note = CaseNote(case=case, kind=kind, occurred_at=occurred_at, author=actor, body=body)
    save_with_history(note, actor=actor, reason="ケース記録の追加")
    return note


@transaction.atomic
def school_liaison_add(
    *, actor: User, case: Case, school: str, contacted_on: date, contact_person: str, agreed: str
):
    from casework.models import SchoolLiaison

    _require_can_change(actor, case)
    liaison = SchoolLiaison(
        case=case,
        school=school,
        contacted_on=contacted_on,
        contact_person=contact_person,
        agreed=agreed,
        author=actor,
    )
    save_with_history(liaison, actor=actor, reason="学校との連携の記録")
    return liaison


# --- children and households --------------------------------------------------------------


def can_edit_child(user: User, child: Child) -> bool:
    """A child's identity is edited by those who may change one of the child's open cases."""
    from casework.access import can_change_case

    return any(
        can_change_case(user, case)
        for case in Case.objects.visible_to(user)
        .filter(child=child)
        .exclude(status=CaseStatus.CLOSED)
    )


@transaction.atomic
def child_update(*, actor: User, child: Child, data: dict, reason: str) -> Child:
    if not can_edit_child(actor, child):
        raise PermissionDenied
    for name, value in data.items():
        setattr(child, name, value)
    save_with_history(child, actor=actor, reason=reason or "児童情報の修正")
    return child


@transaction.atomic
def household_add(*, actor: User, child: Child, data: dict):
    from casework.models import HouseholdMember

    if not can_edit_child(actor, child):
        raise PermissionDenied
    member = HouseholdMember(child=child, **data)
    save_with_history(member, actor=actor, reason="世帯員の追加")
    return member


@transaction.atomic
def household_end(*, actor: User, member, reason: str) -> None:
    """A member who has left the household stays on record, marked as former (never deleted)."""
    if not can_edit_child(actor, member.child):
        raise PermissionDenied
    member.active = False
    save_with_history(member, actor=actor, reason=reason or "世帯から外れた")
