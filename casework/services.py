"""Writes for casework. Every write names the acting user; history records who did it and why.

How every write service works (in every app):

1. The outermost services are `@service` (a durable transaction): they open the transaction
   and cannot be nested in another by accident. Steps shared by services are plain functions
   that run inside the caller's transaction.
2. The service locks the row it changes (`lock()`: SELECT … FOR UPDATE), re-reading it with
   what the actor may do (`with_allowed`, the model's own rules), so a copy the caller loaded
   earlier can never be written back over a newer state.
3. It checks who may act (403) and the state it is about to leave (a Japanese message).
4. It saves only the fields it changed (`save_with_history(…, fields=[…])`).

Lock order — every service in every app takes locks in this order and never an earlier kind
after a later one, so two services can wait for each other but never deadlock:

    1. shelter beds (every active bed, in id order)
    2. case
    3. consultation
    4. protection decision, then stay, then its extensions
    5. foster applicant, then foster home, then placement, then the views hearing (意見聴取)
    6. child, then household member
    7. deadline
    8. case-number counter

The audit chain head is not on this list: no business transaction takes it. History rows are
sealed into the chain after commit, in a short transaction that locks the head alone
(casework/audit/chain.py), so it cannot take part in a deadlock.

History change reasons are fixed phrases: they never carry a name, a reason typed by a worker
or any other personal value (those live encrypted, on the record or its CaseEvent).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from casework import rules
from casework.choices import CaseStatus, ClosureOutcome, PlanKind, Profession, Role
from casework.deadlines import (
    approval_decided,
    open_approval_deadline,
    reassign_case_deadlines,
)
from casework.handbooks import notice_kinds, notify_branch_office
from casework.models import (
    Case,
    CaseCounter,
    CaseShare,
    CaseWorker,
    Child,
    HouseholdMember,
    Membership,
    Team,
    User,
)
from casework.writes import (  # noqa: F401  (re-exported: the apps' services use them)
    FUTURE_TOLERANCE,
    CaseRuleError,
    case_event,
    check_dates_in_range,
    lock,
    lock_case,
    lock_child,
    save_with_history,
    service,
)

CASE_PERMS = ("casework.view_case", "casework.change_case")


def _require(case: Case, action: str) -> None:
    if not case.may(action):
        raise PermissionDenied


def _require_open(case: Case) -> None:
    if case.is_closed:
        raise CaseRuleError("終結したケースは変更できません。")


# --- opening a case, workers ----------------------------------------------------------------


def next_case_seq(fiscal_year: int) -> int:
    """The next case number of a fiscal year, under the counter's lock (lock order: last).
    Also above any number already used, so bulk-loaded cases never collide."""
    try:
        with transaction.atomic():
            CaseCounter.objects.get_or_create(fiscal_year=fiscal_year)
    except IntegrityError:
        pass  # another transaction created it at the same moment; it exists now
    counter = CaseCounter.objects.select_for_update().get(fiscal_year=fiscal_year)
    used = Case.objects.filter(fiscal_year=fiscal_year).aggregate(m=Max("seq"))["m"] or 0
    counter.last_seq = max(counter.last_seq, used) + 1
    counter.save(update_fields=["last_seq"])
    return counter.last_seq


def open_case(
    *,
    actor: User,
    child: Child,
    team: Team,
    lead: User,
    category: int,
    opened_on: date,
    summary: str = "",
) -> Case:
    """Accept (受理) a case for a child in a team, its lead granted access (a step: runs inside
    the caller's transaction, e.g. the acceptance of a consultation)."""
    if not lead.is_active or not lead.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        raise CaseRuleError(f"{lead} はケースを担当できる役割ではありません。", "lead")
    if not Membership.objects.filter(team=team, user=lead).exists():
        raise CaseRuleError(f"{lead} は {team} の職員ではありません。", "lead")
    fiscal_year = rules.fiscal_year_of(opened_on)
    case = Case(
        fiscal_year=fiscal_year,
        seq=next_case_seq(fiscal_year),
        child=child,
        team=team,
        lead=lead,
        category=category,
        opened_on=opened_on,
        summary=summary,
        status=CaseStatus.ACCEPTED,
    )
    save_with_history(case, actor=actor, reason="受理")
    assign_worker(actor=actor, case=case, user=lead, role=lead.profession or Profession.WELFARE)
    case_event(
        case=case,
        actor=actor,
        kind="accepted",
        params={"number": case.number, "lead": str(lead)},
    )
    return case


@service
def case_open(**kwargs) -> Case:
    """`open_case` as a transaction of its own (tests, the admin's tools)."""
    return open_case(**kwargs)


def assign_worker(
    *, actor: User, case: Case, user: User, role: str, is_lead: bool = True, announce: bool = False
) -> CaseWorker:
    """Put a worker on a case and grant the object permissions in the same transaction."""
    worker = CaseWorker.objects.filter(case=case, user=user, active=True).first()
    if worker is None:
        worker = CaseWorker(case=case, user=user, role=role, is_lead=is_lead)
        save_with_history(worker, actor=actor, reason="担当者の割当")
    elif (worker.role, worker.is_lead) != (role, is_lead):
        worker.role, worker.is_lead = role, is_lead
        save_with_history(worker, actor=actor, reason="担当者の割当", fields=["role", "is_lead"])
    for perm in CASE_PERMS:
        assign_perm(perm, user, case)
    if announce:
        label = "主担当" if is_lead else worker.get_role_display()
        case_event(
            case=case, actor=actor, kind="assigned", params={"user": str(user), "role": label}
        )
    return worker


def unassign_worker(*, actor: User, case: Case, user: User, reason: str = "") -> None:
    """Take a worker off a case; their object permissions go in the same transaction."""
    for worker in CaseWorker.objects.select_for_update().filter(case=case, user=user, active=True):
        worker.active, worker.ended_at = False, timezone.now()
        save_with_history(worker, actor=actor, reason="担当の解除", fields=["active", "ended_at"])
    for perm in CASE_PERMS:
        remove_perm(perm, user, case)
    if CaseShare.objects.filter(case=case, user=user, active=True).exists():
        assign_perm("casework.view_case", user, case)  # a read-only share outlives the role
    case_event(
        case=case,
        actor=actor,
        kind="unassigned",
        params={"user": str(user)},
        secret={"reason": reason},
    )


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
STEP_REASON = CaseStatus.step_reasons()
PENDING, APPROVED, RETURNED = "pending", "approved", "returned"


@service
def case_move_status(
    *, actor: User, case: Case, to: str, reason: str = "", expected: str | None = None
) -> Case:
    """Move a case one step forward (受理→調査→判定, 援助方針決定→援助中). `expected` is the
    state the user saw: if someone moved the case meanwhile, nothing changes."""
    case = lock_case(case, actor)
    _require(case, "change")
    _require_open(case)
    if expected and case.status != expected:
        raise CaseRuleError(
            f"このケースは別の職員が「{case.get_status_display()}」に変更しています。"
            "画面を確認してから、もう一度操作してください。"
        )
    if to not in MANUAL_MOVES.get(case.status, set()):
        raise CaseRuleError(
            f"「{case.get_status_display()}」から「{CaseStatus(to).label}」へは移せません。", "to"
        )
    if to in STEP_REASON and not reason.strip():
        raise CaseRuleError(f"{STEP_REASON[to]}を入力してください。", "reason")
    before = case.get_status_display()
    case.status = to
    save_with_history(case, actor=actor, reason="状態の変更", fields=["status"])
    case_event(
        case=case,
        actor=actor,
        kind="status",
        params={"before": str(before), "after": str(case.get_status_display()), "to": to},
        secret={"reason": reason},
    )
    return case


@service
def case_propose_plan(*, actor: User, case: Case, kind: str, detail: str) -> Case:
    """A worker proposes the support plan (援助方針); a supervisor must approve it."""
    case = lock_case(case, actor)
    _require(case, "change")
    _require_open(case)
    if case.status not in PLAN_STATUSES:
        raise CaseRuleError("援助方針は判定の後に申請できます。")
    if case.plan_state == PENDING:
        raise CaseRuleError(
            "承認待ちの援助方針があります。承認または差戻しの後に申請してください。"
        )
    case.plan_kind, case.plan_detail = kind, detail
    case.plan_state, case.plan_requested_by = PENDING, actor
    case.plan_requested_at = timezone.now()
    case.plan_approved_by, case.plan_approved_at = None, None
    fields = ["plan_kind", "plan_detail", "plan_state", "plan_requested_by", "plan_requested_at"]
    save_with_history(
        case,
        actor=actor,
        reason="援助方針の申請",
        fields=[*fields, "plan_approved_by", "plan_approved_at"],
    )
    open_approval_deadline(case=case, approval="plan", actor=actor)
    case_event(
        case=case,
        actor=actor,
        kind="plan_requested",
        params={"plan": str(PlanKind(kind).label), "plan_kind": kind},
    )
    return case


def _decide(case: Case, actor: User, approval: str) -> None:
    """The checks every supervisor's decision shares: who decides, on what, and not their own."""
    _require(case, "supervise")
    _require_open(case)
    what = "援助方針" if approval == "plan" else "終結"
    if getattr(case, f"{approval}_state") != PENDING:
        raise CaseRuleError(f"承認待ちの{what}の申請はありません（すでに判断されています）。")
    if case.is_own_request(actor, approval):
        raise CaseRuleError(
            f"自分が申請した{what}は承認できません。別のスーパーバイザーに依頼してください。"
        )


@service
def case_decide_plan(*, actor: User, case: Case, approve: bool, comment: str = "") -> Case:
    """The team's supervisor approves or returns the plan; nobody approves their own."""
    case = lock_case(case, actor)
    _decide(case, actor, "plan")
    fields = ["plan_state"]
    if approve:
        case.plan_state, case.plan_approved_by = APPROVED, actor
        case.plan_approved_at = timezone.now()
        fields += ["plan_approved_by", "plan_approved_at"]
        if case.status == CaseStatus.JUDGMENT:
            case.status = CaseStatus.PLAN_DECIDED
            fields.append("status")
    else:
        case.plan_state = RETURNED
    save_with_history(
        case, actor=actor, reason="援助方針の承認" if approve else "援助方針の差戻し", fields=fields
    )
    approval_decided(case, "plan", actor)
    case_event(
        case=case,
        actor=actor,
        kind="plan_decided",
        params={"plan": str(case.get_plan_kind_display()), "approved": approve},
        secret={"comment": comment},
    )
    return case


@service
def case_request_closure(*, actor: User, case: Case, outcome: str, reason: str) -> Case:
    case = lock_case(case, actor)
    _require(case, "change")
    _require_open(case)
    if case.closure_state == PENDING:
        raise CaseRuleError("終結はすでに承認待ちです。")
    case.closure_state, case.closure_outcome = PENDING, outcome
    case.closure_reason, case.closure_requested_by = reason, actor
    case.closure_requested_at = timezone.now()
    save_with_history(
        case,
        actor=actor,
        reason="終結の申請",
        fields=[
            "closure_state",
            "closure_outcome",
            "closure_reason",
            "closure_requested_by",
            "closure_requested_at",
        ],
    )
    open_approval_deadline(case=case, approval="closure", actor=actor)
    case_event(
        case=case,
        actor=actor,
        kind="closure_requested",
        params={"outcome": str(ClosureOutcome(outcome).label)},
    )
    return case


@service
def case_decide_closure(
    *, actor: User, case: Case, approve: bool, closed_on: date | None = None, comment: str = ""
) -> Case:
    """Closure needs the team supervisor's approval; the requester cannot approve it."""
    case = lock_case(case, actor)
    _decide(case, actor, "closure")
    fields = ["closure_state"]
    if approve:
        closed_on = closed_on or timezone.localdate()
        if closed_on < case.opened_on:
            raise CaseRuleError("終結日は受理日以降の日付にしてください。", "closed_on")
        if closed_on > timezone.localdate():
            raise CaseRuleError("終結日に未来の日付は入力できません。", "closed_on")
        case.closure_state, case.closure_approved_by = APPROVED, actor
        case.status, case.closed_on = CaseStatus.CLOSED, closed_on
        fields += ["closure_approved_by", "status", "closed_on"]
    else:
        case.closure_state = RETURNED
    save_with_history(
        case, actor=actor, reason="終結の承認" if approve else "終結の差戻し", fields=fields
    )
    approval_decided(case, "closure", actor)
    case_event(
        case=case,
        actor=actor,
        kind="closure_decided",
        params={
            "outcome": str(case.get_closure_outcome_display()),
            "approved": approve,
            "closed_on": closed_on.isoformat() if approve else "",
        },
        secret={"comment": comment},
    )
    return case


@service
def case_transfer(
    *,
    actor: User,
    case: Case,
    new_lead: User,
    team: Team,
    reason: str,
    expected_lead: int | None = None,
) -> Case:
    """Hand the case to a new lead (and team); the old lead loses access in the same transaction.
    Two supervisors transferring at once are served one after the other: the second sees the
    first's new lead and team, and is refused if they are not what its page showed
    (`expected_lead`) — or if it no longer supervises the case at all."""
    case = lock_case(case, actor)
    _require(case, "supervise")
    _require_open(case)
    if expected_lead is not None and case.lead_id != expected_lead:
        raise CaseRuleError(
            f"このケースは別の職員がすでに移管しています（現在の主担当：{case.lead}）。"
            "画面を確認してから、もう一度操作してください。"
        )
    if not reason.strip():
        raise CaseRuleError("移管の理由を入力してください。", "reason")
    if not Membership.objects.filter(team=team, user=new_lead).exists():
        raise CaseRuleError(f"{new_lead} は {team} の職員ではありません。", "new_lead")
    if not new_lead.is_active or not new_lead.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        raise CaseRuleError(f"{new_lead} はケースを担当できる役割ではありません。", "new_lead")
    if new_lead.pk == case.lead_id and team.pk == case.team_id:
        raise CaseRuleError("現在と同じ担当・係です。", "new_lead")
    old_lead, old_team = case.lead, case.team
    if new_lead.pk != old_lead.pk:
        unassign_worker(actor=actor, case=case, user=old_lead, reason="移管")
    if team.pk != old_team.pk:
        # Co-workers of the old team go too: the case now belongs to another team.
        members = set(Membership.objects.filter(team=team).values_list("user_id", flat=True))
        for worker in CaseWorker.objects.filter(case=case, active=True).select_related("user"):
            if worker.user_id not in members and worker.user_id != old_lead.pk:
                unassign_worker(actor=actor, case=case, user=worker.user, reason="移管")
    case.lead, case.team = new_lead, team
    save_with_history(case, actor=actor, reason="移管", fields=["lead", "team"])
    assign_worker(
        actor=actor, case=case, user=new_lead, role=new_lead.profession or Profession.WELFARE
    )
    reassign_case_deadlines(case=case, owner=new_lead, actor=actor)
    case_event(
        case=case,
        actor=actor,
        kind="transferred",
        params={
            "old_team": str(old_team),
            "old_lead": str(old_lead),
            "team": str(team),
            "lead": str(new_lead),
        },
        secret={"reason": reason.strip()},
    )
    return case


def eligible_coworkers(case: Case) -> models.QuerySet[User]:
    """Who may be added to a case: active caseworkers and supervisors of its team who are not
    already on it (the picker and the service ask the same question)."""
    on_case = CaseWorker.objects.filter(case=case, active=True).values("user_id")
    return (
        User.objects.filter(
            is_active=True,
            memberships__team_id=case.team_id,
            groups__name__in=[Role.CASEWORKER, Role.SUPERVISOR],
        )
        .exclude(pk__in=on_case)
        .distinct()
        .order_by("username")
    )


@service
def case_add_worker(*, actor: User, case: Case, user: User, role: str) -> CaseWorker:
    """A supervisor adds a co-worker (児童心理司, 保健師, 医師, 弁護士…) from the case's team."""
    case = lock_case(case, actor)
    _require(case, "supervise")
    _require_open(case)
    if CaseWorker.objects.filter(case=case, user=user, active=True).exists():
        raise CaseRuleError(f"{user} はすでにこのケースの担当です。", "user")
    if not eligible_coworkers(case).filter(pk=user.pk).exists():
        raise CaseRuleError(
            f"{user} は {case.team} の担当職員（福祉司・心理司・SV）ではありません。", "user"
        )
    return assign_worker(actor=actor, case=case, user=user, role=role, is_lead=False, announce=True)


@service
def case_remove_worker(*, actor: User, case: Case, user: User, reason: str) -> None:
    case = lock_case(case, actor)
    _require(case, "supervise")
    _require_open(case)
    if user.pk == case.lead_id:
        raise CaseRuleError("主担当は解除できません。移管で担当を替えてください。")
    if not CaseWorker.objects.filter(case=case, user=user, active=True).exists():
        raise CaseRuleError(f"{user} はこのケースの担当ではありません。")
    unassign_worker(actor=actor, case=case, user=user, reason=reason)


@service
def case_share(*, actor: User, case: Case, user: User, reason: str) -> CaseShare:
    """A supervisor of the owning team lets a worker of another team read this case (e.g. a
    child's earlier case, for the team now working with the child). Read only; logged."""
    case = lock_case(case, actor)
    _require(case, "supervise")
    if not reason.strip():
        raise CaseRuleError("共有の理由を入力してください。", "reason")
    if not user.is_active or not user.has_role(Role.CASEWORKER, Role.SUPERVISOR, Role.NETWORK):
        raise CaseRuleError(f"{user} はケースを閲覧できる役割ではありません。", "user")
    if CaseShare.objects.filter(case=case, user=user, active=True).exists():
        raise CaseRuleError(f"{user} にはすでに共有しています。", "user")
    share = CaseShare(case=case, user=user, shared_by=actor, reason=reason.strip())
    save_with_history(share, actor=actor, reason="ケースの共有")
    assign_perm("casework.view_case", user, case)
    team = Membership.objects.filter(user=user).select_related("team").first()
    case_event(
        case=case,
        actor=actor,
        kind="shared",
        params={"user": str(user), "team": str(team.team) if team else ""},
        secret={"reason": reason.strip()},
    )
    return share


@service
def case_unshare(*, actor: User, share: CaseShare) -> CaseShare:
    case = lock_case(share.case_id, actor)
    _require(case, "supervise")
    share = lock(CaseShare.objects.all(), share.pk)
    if not share.active:
        raise CaseRuleError("この共有はすでに終了しています。")
    share.active, share.ended_at = False, timezone.now()
    save_with_history(share, actor=actor, reason="共有の終了", fields=["active", "ended_at"])
    if not CaseWorker.objects.filter(case=case, user=share.user, active=True).exists():
        remove_perm("casework.view_case", share.user, case)
    case_event(case=case, actor=actor, kind="unshared", params={"user": str(share.user)})
    return share


# --- notes and school liaison --------------------------------------------------------------


def check_not_future(value, what: str, field: str) -> None:
    now = timezone.now()
    limit = now + FUTURE_TOLERANCE if hasattr(value, "tzinfo") else timezone.localdate()
    if value > limit:
        raise CaseRuleError(f"{what}に未来の日時は入力できません。", field)


@service
def note_add(*, actor: User, case: Case, kind: str, occurred_at, body: str):
    from casework.models import CaseNote

    case = lock_case(case, actor)
    _require(case, "change")
    _require_open(case)
    check_not_future(occurred_at, "実施日時", "occurred_at")
    if timezone.localtime(occurred_at).date() < case.opened_on:
        raise CaseRuleError("実施日時は受理日以降の日時にしてください。", "occurred_at")
    note = CaseNote(case=case, kind=kind, occurred_at=occurred_at, author=actor, body=body)
    save_with_history(note, actor=actor, reason="ケース記録の追加")
    return note


@service
def school_liaison_add(
    *, actor: User, case: Case, school: str, contacted_on: date, contact_person: str, agreed: str
):
    from casework.models import SchoolLiaison

    case = lock_case(case, actor)
    _require(case, "change")
    _require_open(case)
    if contacted_on > timezone.localdate():
        raise CaseRuleError("連絡日に未来の日付は入力できません。", "contacted_on")
    if contacted_on < case.opened_on:
        raise CaseRuleError("連絡日は受理日以降の日付にしてください。", "contacted_on")
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


CHILD_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "town",
    "address",
    "school",
    "allergies",
)


@service
def child_update(*, actor: User, child: Child, data: dict, reason: str) -> Child:
    """Correct a child's identity; only the fields that differ are saved (and the name index
    with the name or birth date)."""
    child = lock_child(child, actor)
    changed = [name for name in CHILD_FIELDS if name in data and getattr(child, name) != data[name]]
    if not changed:
        raise CaseRuleError("変更された項目がありません。")
    for name in changed:
        setattr(child, name, data[name])
    # Why it changed is a worker's words about the family: kept encrypted on the record (and
    # so in its history), never in the plain change reason.
    child.change_note = reason.strip()
    fields = [*changed, "change_note"]
    if {"family_name_kana", "given_name_kana", "birth_date"} & set(changed):
        fields.append("name_index")
    if {"family_name_kana", "given_name_kana"} & set(changed):
        fields += ["kana_family_index", "kana_given_index", "kana_full_index"]
    save_with_history(child, actor=actor, reason="児童情報の修正", fields=fields)
    notify_branch_office(actor=actor, child=child, kinds=notice_kinds(changed))
    return child


@service
def household_add(*, actor: User, child: Child, data: dict) -> HouseholdMember:
    child = lock_child(child, actor)
    member = HouseholdMember(child=child, **data)
    save_with_history(member, actor=actor, reason="世帯員の追加")
    return member


@service
def household_end(*, actor: User, member: HouseholdMember, reason: str = "") -> HouseholdMember:
    """A member who has left the household stays on record, marked as former (never deleted)."""
    lock_child(member.child_id, actor)
    member = lock(HouseholdMember.objects.all(), member.pk)
    if not member.active:
        raise CaseRuleError("この世帯員はすでに「以前の世帯員」です。")
    member.active = False
    save_with_history(member, actor=actor, reason="世帯から外れた", fields=["active"])
    return member
