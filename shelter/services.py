"""Writes for the shelter: protection decisions, admit, move, discharge, consent, warrant,
extension, school liaison. Each follows casework/services.py (durable, locked, re-read,
checked, only changed fields saved) and its lock order: beds → case → decision → stay →
extension → chain head.

Every service that takes or frees a bed first locks the active Bed rows (`SELECT … FOR UPDATE`
on PostgreSQL, ordered by id; on SQLite the IMMEDIATE transaction already holds the database's
write lock from BEGIN). Only then does it count and check, so two staff admitting at the same
moment are served one after the other and the second sees the first's admission. The database
constraints (shelter/models.py and the PostgreSQL exclusion constraints of migration 0002) are
the last line: if Python were wrong, the insert fails, and the IntegrityError becomes the same
Japanese message.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from casework import rules
from casework.choices import DeadlineKind, ViewsDecision
from casework.deadlines import done_on, end_of_day, lapse_deadline, meet_deadline, open_deadline
from casework.hearings import ViewsInput, check_views, record_decision_views
from casework.models import Case, User
from casework.registry import protection_listeners
from casework.wareki import wareki_safe
from casework.writes import (
    CaseRuleError,
    case_event,
    lock,
    lock_case,
    save_with_history,
    service,
)
from shelter.choices import AppealResult, DecisionState, Destination, StayKind, WarrantResult
from shelter.clock import APPEAL_DAYS
from shelter.models import Bed, BedAssignment, Extension, ProtectionDecision, Stay

FULL = "満床です。空いているベッドがありません（在所 {occupied}/{capacity}）。"
BED_TAKEN = (
    "ベッド使用中です。{bed} には別の児童が入所しています。空いているベッドを選んでください。"
)
BED_BUSY_RACE = "ベッド使用中です。同時に別の入所が記録されました。ボードを確認してください。"


# Discharges that are a 施設入所 decision (児童福祉法27条1項3号), heard under 33条の3の3.
INSTITUTIONS = frozenset({Destination.INFANT_HOME, Destination.CHILDRENS_HOME})


class StayRuleError(CaseRuleError):
    """A refused act, in Japanese; `field` names the form field the message belongs next to."""


# --- locks and counts ---------------------------------------------------------------------


def lock_beds() -> list[Bed]:
    """Lock every active bed (in id order) for the rest of the transaction."""
    return list(
        Bed.objects.select_for_update()
        .filter(active=True, room__active=True)
        .select_related("room")
        .order_by("pk")
    )


def occupied_bed_ids(on: date | None = None) -> set[int]:
    """Beds held by an open assignment (or, with `on`, held on that day)."""
    condition = Q(to_date__isnull=True)
    if on is not None:
        # Held on any day from `on`: also catches a back-dated period that overlaps a past one.
        condition |= Q(to_date__gt=on)
    return set(BedAssignment.objects.filter(condition).values_list("bed_id", flat=True))


def room_mismatch(bed: Bed, child, on: date) -> str:
    return bed.room.mismatch(child, on)


NO_FITTING_BED = (
    "この児童の性別・年齢に合う部屋に空いているベッドがありません。"
    "区分の違う部屋のベッドを選び、その理由を入力してください。"
)
MISMATCH_NEEDS_REASON = "区分の違う部屋に入所させる理由を入力してください。"


def _pick_bed(beds: list[Bed], taken: set[int], child, on: date) -> Bed:
    """A free bed in a room marked for the child's sex and age band — never another room on
    its own: that takes a person's choice and a recorded reason."""
    free = [b for b in beds if b.pk not in taken]
    if not free:
        raise StayRuleError(f"{wareki_safe(on)}から空いているベッドがありません。", "bed")
    matching = [b for b in free if not room_mismatch(b, child, on)]
    if not matching:
        raise StayRuleError(NO_FITTING_BED, "bed")
    return matching[0]


def fitting_bed_ids(beds: list[Bed], child, on: date) -> set[int]:
    """The beds whose room is marked for this child's sex and age band on `on`."""
    return {b.pk for b in beds if not room_mismatch(b, child, on)}


ALREADY_IN = "この児童はすでに一時保護中です。"
CHILD_CONSTRAINTS = ("stay_one_active_per_child", "shelter_stay_child_no_overlap")


def _save_or_taken(obj, *, actor: User, reason: str, message: str, field: str = "bed") -> None:
    """Save in a savepoint; a constraint violation (a race Python missed) becomes `message`,
    or 「すでに一時保護中」 when it was the child's constraint that refused it."""
    try:
        with transaction.atomic():
            save_with_history(obj, actor=actor, reason=reason)
    except IntegrityError as exc:
        if any(name in str(exc) for name in CHILD_CONSTRAINTS):
            raise StayRuleError(ALREADY_IN) from exc
        raise StayRuleError(message, field) from exc
    except ValidationError as exc:
        if isinstance(exc, CaseRuleError):
            raise
        text = " ".join(exc.messages)
        raise StayRuleError(text, None if ALREADY_IN in text else field) from exc


# --- protection decisions (一時保護決定) -----------------------------------------------------


def _lock_decision(actor: User, decision: ProtectionDecision | int) -> ProtectionDecision:
    pk = decision.pk if isinstance(decision, ProtectionDecision) else decision
    return lock(ProtectionDecision.objects.select_related("case", "child"), pk, actor=actor)


@service
def protection_decide(
    *,
    actor: User,
    case: Case,
    decided_on: date,
    grounds: str,
    kind: str = StayKind.SHELTER,
    notes: str = "",
    views: ViewsInput | None = None,
    today: date | None = None,
) -> ProtectionDecision:
    """The centre decides to protect the child of an open case (its supervisor or an assigned
    worker records it on the case file); shelter staff admit from the pending decisions. The
    child's views heard before, or why not (`views`, 33条の3の3), are recorded with it: without
    them the decision is refused."""
    today = today or timezone.localdate()
    case = lock_case(case, actor)
    if not case.may("change"):
        raise PermissionDenied
    if case.is_closed:
        raise StayRuleError("終結したケースでは一時保護を決定できません。")
    if decided_on > today:
        raise StayRuleError("決定日に未来の日付は入力できません。", "decided_on")
    if decided_on < case.opened_on:
        raise StayRuleError("決定日は受理日以降の日付にしてください。", "decided_on")
    if Stay.objects.active().filter(child_id=case.child_id).exists():
        raise StayRuleError(ALREADY_IN)
    if ProtectionDecision.objects.pending().filter(child_id=case.child_id).exists():
        raise StayRuleError("この児童には入所待ちの一時保護決定がすでにあります。")
    check_views(views, decided_on=decided_on, today=today)
    decision = ProtectionDecision(
        case=case,
        child_id=case.child_id,
        decided_on=decided_on,
        decided_by=actor,
        grounds=grounds,
        kind=kind,
        notes=notes.strip(),
    )
    _save_or_taken(
        decision,
        actor=actor,
        reason="一時保護の決定",
        message="この児童には入所待ちの一時保護決定がすでにあります。",
        field="grounds",
    )
    record_decision_views(
        actor=actor,
        case=case,
        decision_kind=ViewsDecision.PROTECTION,
        decided_on=decided_on,
        subject=decision,
        views=views,  # type: ignore[arg-type]  (checked above)
    )
    case_event(
        case=case,
        actor=actor,
        kind="protection_decided",
        on=decided_on,
        params={
            "decided_on": decided_on.isoformat(),
            "grounds": str(decision.get_grounds_display()),
            "kind": str(decision.get_kind_display()),
        },
    )
    return decision


@service
def protection_cancel(
    *, actor: User, decision: ProtectionDecision, reason: str
) -> ProtectionDecision:
    """A decision not carried out (the child was found safe, placed elsewhere…): kept, closed."""
    lock_case(decision.case_id, actor)
    decision = _lock_decision(actor, decision)
    if not decision.may("cancel"):
        raise PermissionDenied
    if not decision.is_pending:
        raise StayRuleError("この一時保護決定は入所待ちではありません。")
    if not reason.strip():
        raise StayRuleError("取消しの理由を入力してください。", "reason")
    decision.state, decision.cancelled_reason = DecisionState.CANCELLED, reason.strip()
    decision.closed_by, decision.closed_at = actor, timezone.now()
    save_with_history(
        decision,
        actor=actor,
        reason="一時保護決定の取消し",
        fields=["state", "cancelled_reason", "closed_by", "closed_at"],
    )
    case_event(
        case=decision.case,
        actor=actor,
        kind="protection_cancelled",
        params={"decided_on": decision.decided_on.isoformat()},
        secret={"reason": reason.strip()},
    )
    return decision


# --- admission ------------------------------------------------------------------------------


def _check_admission(*, decision: ProtectionDecision, started_on: date, today: date) -> None:
    if not decision.is_pending:
        raise StayRuleError("この一時保護決定は入所待ちではありません（入所済みか取消し）。")
    if decision.case.is_closed:
        raise StayRuleError("終結したケースの児童は入所できません。")
    if started_on > today:
        raise StayRuleError("保護開始日に未来の日付は入力できません。", "started_on")
    if started_on < decision.decided_on:
        raise StayRuleError("保護開始日は一時保護の決定日以降の日付にしてください。", "started_on")
    if Stay.objects.active().filter(child_id=decision.child_id).exists():
        raise StayRuleError(ALREADY_IN)
    if Stay.objects.filter(child_id=decision.child_id, ended_on__gt=started_on).exists():
        raise StayRuleError("この日付は以前の一時保護の期間と重なります。", "started_on")


@service
def stay_admit(
    *,
    actor: User,
    decision: ProtectionDecision,
    started_on: date,
    parental_consent: bool,
    bed: Bed | None = None,
    entrusted_to: str = "",
    planned_end_on: date | None = None,
    mismatch_reason: str = "",
    today: date | None = None,
) -> Stay:
    """Carry out a pending protection decision: the child into a bed (a free one in a room for
    the child's sex and age when `bed` is None), or 委託一時保護 (no bed). A bed in a room marked
    for another sex or age band needs `mismatch_reason`, recorded on the case file. Refuses with
    「満床」 or 「ベッド使用中」 in Japanese."""
    today = today or timezone.localdate()
    beds = lock_beds()  # from here on, no other admission, move or discharge interleaves
    lock_case(decision.case_id, actor)
    decision = _lock_decision(actor, decision)
    if not decision.may("admit"):
        raise PermissionDenied
    _check_admission(decision=decision, started_on=started_on, today=today)
    if planned_end_on is not None and planned_end_on < started_on:
        raise StayRuleError("解除予定日は保護開始日以降にしてください。", "planned_end_on")
    case, child = decision.case, decision.child
    stay = Stay(
        child=child,
        case=case,
        decision=decision,
        kind=decision.kind,
        grounds=decision.grounds,
        started_on=started_on,
        planned_end_on=planned_end_on,
        parental_consent=parental_consent,
        consent_recorded_on=started_on if parental_consent else None,
        school=child.school,
        created_by=actor,
    )
    if decision.kind == StayKind.ENTRUSTED:
        if bed is not None:
            raise StayRuleError("委託一時保護ではベッドを選びません。", "bed")
        if not entrusted_to.strip():
            raise StayRuleError("委託先を入力してください。", "entrusted_to")
        stay.entrusted_to = entrusted_to.strip()
        _save_or_taken(stay, actor=actor, reason="委託一時保護の開始", message=ALREADY_IN)
        _close_decision(decision, actor)
        _after_admission(stay, actor)
        case_event(
            case=case,
            actor=actor,
            kind="stay_admitted",
            on=started_on,
            params={"started_on": started_on.isoformat(), "entrusted": True},
            secret={"place": stay.entrusted_to},
        )
        return stay

    active_ids = {b.pk for b in beds}
    occupied = Stay.objects.in_house().count()  # children in the house now, under the lock
    if occupied >= len(beds):
        raise StayRuleError(FULL.format(occupied=occupied, capacity=len(beds)), "bed")
    taken = occupied_bed_ids(on=started_on)
    if bed is None:
        bed = _pick_bed(beds, taken, child, started_on)
    elif bed.pk not in active_ids:
        raise StayRuleError(f"{bed} は現在使用できないベッドです。", "bed")
    elif bed.pk in taken:
        raise StayRuleError(BED_TAKEN.format(bed=bed), "bed")
    bed = next(b for b in beds if b.pk == bed.pk)
    mismatch = room_mismatch(bed, child, started_on)
    if mismatch and not mismatch_reason.strip():
        raise StayRuleError(f"{mismatch}{MISMATCH_NEEDS_REASON}", "mismatch_reason")
    stay.bed = bed
    _save_or_taken(stay, actor=actor, reason="一時保護所への入所", message=BED_BUSY_RACE)
    assignment = BedAssignment(stay=stay, bed=bed, from_date=started_on)
    _save_or_taken(assignment, actor=actor, reason="ベッドの割当", message=BED_BUSY_RACE)
    _close_decision(decision, actor)
    _after_admission(stay, actor)
    case_event(
        case=case,
        actor=actor,
        kind="stay_admitted",
        on=started_on,
        params={
            "started_on": started_on.isoformat(),
            "room": bed.room.name,
            "bed": bed.label,
            "mismatch": mismatch,
        },
        secret={"mismatch_reason": mismatch_reason.strip()} if mismatch else None,
    )
    return stay


# --- the stay's deadlines on the ledger (DOMAIN §4) ---------------------------------------

LIMIT_LEAD = timedelta(days=14)  # "warn well before": shown two weeks ahead


def _stay_deadline(stay: Stay, kind: str, due: date, actor: User | None, **kw):
    return open_deadline(
        kind=kind,
        subject=stay,
        due_at=end_of_day(due),
        actor=actor,
        owner=stay.case.lead,
        team_id=stay.case.team_id,
        case_id=stay.case_id,
        child_id=stay.child_id,
        **kw,
    )


def open_stay_deadlines(stay: Stay, actor: User | None) -> None:
    """The warrant request (no consent), and the two-month limit — from the start day."""
    if not stay.parental_consent and not stay.warrant_requested_on:
        _stay_deadline(
            stay,
            DeadlineKind.WARRANT_REQUEST,
            rules.warrant_request_due(stay.started_on),
            actor,
        )
    _stay_deadline(
        stay,
        DeadlineKind.PROTECTION_LIMIT,
        rules.protection_limit(stay.started_on),
        actor,
        lead=LIMIT_LEAD,
    )


def _after_admission(stay: Stay, actor: User) -> None:
    """A child in the centre's protection has been seen (the other apps are told), and the stay
    owes its deadlines."""
    at = min(timezone.now(), end_of_day(stay.started_on) - timedelta(seconds=1))
    for listener in protection_listeners():
        listener(child=stay.child, stay=stay, actor=actor, at=at)
    open_stay_deadlines(stay, actor)


def _day(day: date) -> str:
    return wareki_safe(day, weekday=False)


def _close_decision(decision: ProtectionDecision, actor: User) -> None:
    decision.state = DecisionState.ADMITTED
    decision.closed_by, decision.closed_at = actor, timezone.now()
    save_with_history(
        decision,
        actor=actor,
        reason="一時保護所への入所",
        fields=["state", "closed_by", "closed_at"],
    )


# --- moves and discharge --------------------------------------------------------------------


def _locked_stay(stay: Stay, actor: User) -> Stay:
    return lock(
        Stay.objects.select_related("case", "child", "bed", "bed__room"), stay.pk, actor=actor
    )


def _open_assignment(stay: Stay) -> BedAssignment | None:
    return BedAssignment.objects.filter(stay=stay, to_date__isnull=True).first()


def _require_active(stay: Stay) -> None:
    if stay.ended_on is not None:
        raise StayRuleError("この一時保護はすでに解除されています。")


def day_problem(day: date, stay: Stay, today: date, what: str) -> str | None:
    """Why `day` cannot be a day of this stay (in the future, or before it began), or None.
    Forms ask it too, so that the date's error shows with the others on the first submit."""
    if day > today:
        return f"{what}に未来の日付は入力できません。"
    if day < stay.started_on:
        return f"{what}は保護開始日（{wareki_safe(stay.started_on)}）以降にしてください。"
    return None


def _check_day(day: date, stay: Stay, today: date, field: str, what: str) -> None:
    problem = day_problem(day, stay, today, what)
    if problem:
        raise StayRuleError(problem, field)


def _managed(actor: User, stay: Stay, *, beds: bool) -> tuple[Stay, list[Bed]]:
    """Lock (beds first when the act takes or frees one), re-read, and check the role."""
    locked_beds = lock_beds() if beds else []
    stay = _locked_stay(stay, actor)
    if not stay.may("manage"):
        raise PermissionDenied
    _require_active(stay)
    return stay, locked_beds


@service
def stay_move(
    *, actor: User, stay: Stay, bed: Bed, moved_on: date, today: date | None = None
) -> Stay:
    """Move a child to another free bed from `moved_on`."""
    today = today or timezone.localdate()
    stay, beds = _managed(actor, stay, beds=True)
    if stay.kind != StayKind.SHELTER:
        raise StayRuleError("委託一時保護の児童はベッドを使いません。", "bed")
    if bed.pk == stay.bed_id:
        raise StayRuleError("現在と同じベッドです。", "bed")
    if bed.pk not in {b.pk for b in beds}:
        raise StayRuleError(f"{bed} は現在使用できないベッドです。", "bed")
    current = _open_assignment(stay)
    _check_day(moved_on, stay, today, "moved_on", "移動日")
    if current is not None and moved_on < current.from_date:
        raise StayRuleError(
            f"移動日は現在のベッドに入った日（{wareki_safe(current.from_date)}）以降にしてください。",
            "moved_on",
        )
    if bed.pk in occupied_bed_ids(on=moved_on):
        raise StayRuleError(BED_TAKEN.format(bed=bed), "bed")
    bed = next(b for b in beds if b.pk == bed.pk)
    old_bed = stay.bed
    if current is not None:
        current.to_date = moved_on
        save_with_history(current, actor=actor, reason="ベッドの移動", fields=["to_date"])
    stay.bed = bed
    try:
        with transaction.atomic():
            save_with_history(stay, actor=actor, reason="ベッドの移動", fields=["bed"])
    except (IntegrityError, ValidationError) as exc:
        raise StayRuleError(BED_BUSY_RACE, "bed") from exc
    _save_or_taken(
        BedAssignment(stay=stay, bed=bed, from_date=moved_on),
        actor=actor,
        reason="ベッドの移動",
        message=BED_BUSY_RACE,
    )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_moved",
        on=moved_on,
        params={"from": str(old_bed), "to": str(bed), "moved_on": moved_on.isoformat()},
    )
    return stay


@service
def stay_discharge(
    *,
    actor: User,
    stay: Stay,
    ended_on: date,
    destination: str,
    reason: str,
    views: ViewsInput | None = None,
    today: date | None = None,
) -> Stay:
    """End the protection: the bed is free from `ended_on`; the record stays. A discharge to a
    乳児院 or 児童養護施設 is the 施設入所 decision: the child's views heard before it, or why
    not (`views`, 33条の3の3), are recorded with it or it is refused."""
    today = today or timezone.localdate()
    stay, _beds = _managed(actor, stay, beds=stay.kind == StayKind.SHELTER)
    _check_day(ended_on, stay, today, "ended_on", "退所日")
    if not reason.strip():
        raise StayRuleError("解除の理由を入力してください。", "reason")
    institution = destination in INSTITUTIONS
    if institution:
        check_views(views, decided_on=ended_on, today=today)
    current = _open_assignment(stay)
    if current is not None:
        if ended_on < current.from_date:
            raise StayRuleError(
                f"退所日は現在のベッドに入った日（{wareki_safe(current.from_date)}）以降にしてください。",
                "ended_on",
            )
        current.to_date = ended_on
        save_with_history(current, actor=actor, reason="退所によるベッドの解放", fields=["to_date"])
    stay.ended_on, stay.destination, stay.discharge_reason = ended_on, destination, reason.strip()
    save_with_history(
        stay,
        actor=actor,
        reason="一時保護の解除",
        fields=["ended_on", "destination", "discharge_reason"],
    )
    if institution:
        record_decision_views(
            actor=actor,
            case=stay.case,
            decision_kind=ViewsDecision.INSTITUTION,
            decided_on=ended_on,
            subject=stay,
            views=views,  # type: ignore[arg-type]  (checked above)
        )
    for kind in (DeadlineKind.PROTECTION_LIMIT, DeadlineKind.EXTENSION_LIMIT, DeadlineKind.APPEAL):
        meet_deadline(
            kind=kind,
            subject=stay,
            evidence=stay,
            met_at=done_on(ended_on),
            label=f"一時保護の解除（{wareki_safe(ended_on, weekday=False)}）",
            actor=actor,
        )
    lapse_deadline(
        kind=DeadlineKind.WARRANT_REQUEST, subject=stay, reason="一時保護の解除", actor=actor
    )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_discharged",
        on=ended_on,
        params={
            "ended_on": ended_on.isoformat(),
            "destination": str(stay.get_destination_display()),
        },
    )
    return stay


# --- consent, warrant and extension ----------------------------------------------------------


def _recordable(actor: User, stay: Stay) -> Stay:
    stay = _locked_stay(stay, actor)
    if not stay.may("record"):
        raise PermissionDenied
    _require_active(stay)
    return stay


@service
def stay_record_consent(
    *, actor: User, stay: Stay, consent: bool, on: date, today: date | None = None
) -> Stay:
    """Record whether the person with parental authority consents (no warrant is then due)."""
    stay = _recordable(actor, stay)
    _check_day(on, stay, today or timezone.localdate(), "on", "確認日")
    if stay.parental_consent == consent:
        raise StayRuleError("記録されている内容と同じです。", "consent")
    stay.parental_consent, stay.consent_recorded_on = consent, on
    save_with_history(
        stay,
        actor=actor,
        reason="親権者等の同意の確認",
        fields=["parental_consent", "consent_recorded_on"],
    )
    if consent:
        lapse_deadline(
            kind=DeadlineKind.WARRANT_REQUEST,
            subject=stay,
            reason="親権者等の同意により請求は不要",
            actor=actor,
        )
    elif not stay.warrant_requested_on:
        _stay_deadline(
            stay,
            DeadlineKind.WARRANT_REQUEST,
            rules.warrant_request_due(stay.started_on),
            actor,
            suffix=f"consent{on.isoformat()}",
        )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_consent",
        on=on,
        params={"consent": consent, "on": on.isoformat()},
    )
    return stay


@service
def stay_record_warrant_request(
    *, actor: User, stay: Stay, requested_on: date, today: date | None = None
) -> Stay:
    stay = _recordable(actor, stay)
    if stay.warrant_requested_on:
        raise StayRuleError("一時保護状の請求はすでに記録されています。", "requested_on")
    _check_day(requested_on, stay, today or timezone.localdate(), "requested_on", "請求日")
    stay.warrant_requested_on = requested_on
    due = rules.warrant_request_due(stay.started_on)
    save_with_history(stay, actor=actor, reason="一時保護状の請求", fields=["warrant_requested_on"])
    meet_deadline(
        kind=DeadlineKind.WARRANT_REQUEST,
        subject=stay,
        evidence=stay,
        met_at=done_on(requested_on),
        label=f"一時保護状の請求（{wareki_safe(requested_on, weekday=False)}）",
        actor=actor,
    )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_warrant_requested",
        on=requested_on,
        params={
            "requested_on": requested_on.isoformat(),
            "due": due.isoformat(),
            "late": requested_on > due,
        },
    )
    return stay


@service
def stay_record_warrant_decision(
    *, actor: User, stay: Stay, result: str, decided_on: date, today: date | None = None
) -> Stay:
    """The judge's decision. A refusal requires discharge or a recorded appeal (DOMAIN §4)."""
    stay = _recordable(actor, stay)
    if not stay.warrant_requested_on:
        raise StayRuleError("先に一時保護状の請求を記録してください。", "result")
    if stay.warrant_result:
        raise StayRuleError("裁判官の判断はすでに記録されています。", "result")
    if decided_on < stay.warrant_requested_on or decided_on > (today or timezone.localdate()):
        raise StayRuleError("判断日は請求日から今日までの日付にしてください。", "decided_on")
    stay.warrant_result, stay.warrant_decided_on = result, decided_on
    save_with_history(
        stay,
        actor=actor,
        reason="一時保護状についての判断",
        fields=["warrant_result", "warrant_decided_on"],
    )
    if result == WarrantResult.REFUSED:
        _stay_deadline(stay, DeadlineKind.APPEAL, rules.appeal_due(decided_on), actor)
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_warrant_decided",
        on=decided_on,
        params={
            "result": str(stay.get_warrant_result_display()),
            "refused": result == WarrantResult.REFUSED,
            "decided_on": decided_on.isoformat(),
        },
    )
    return stay


@service
def stay_record_appeal(
    *, actor: User, stay: Stay, appeal_on: date, result: str = "", today: date | None = None
) -> Stay:
    """準抗告 against a refusal: filed within 3 days; its result when known."""
    stay = _recordable(actor, stay)
    if stay.warrant_result != WarrantResult.REFUSED:
        raise StayRuleError("準抗告は一時保護状が却下された場合に記録できます。", "appeal_on")
    if stay.appeal_result:
        raise StayRuleError("準抗告の結果はすでに記録されています。", "result")
    last = rules.appeal_due(stay.warrant_decided_on)
    if not stay.warrant_decided_on <= appeal_on <= last:
        raise StayRuleError(
            f"準抗告の申立日は却下の日から{APPEAL_DAYS}日以内（{wareki_safe(last)}まで）にしてください。",
            "appeal_on",
        )
    if appeal_on > (today or timezone.localdate()):
        raise StayRuleError("申立日に未来の日付は入力できません。", "appeal_on")
    first = stay.appeal_on is None
    stay.appeal_on, stay.appeal_result = appeal_on, result
    save_with_history(
        stay, actor=actor, reason="準抗告の記録", fields=["appeal_on", "appeal_result"]
    )
    meet_deadline(
        kind=DeadlineKind.APPEAL,
        subject=stay,
        evidence=stay,
        met_at=done_on(appeal_on),
        label=f"準抗告の申立（{wareki_safe(appeal_on, weekday=False)}）",
        actor=actor,
    )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_appeal",
        on=appeal_on,
        params={
            "appeal_on": appeal_on.isoformat(),
            "first": first,
            "result": str(AppealResult(result).label) if result else "",
        },
    )
    return stay


@service
def extension_request(
    *,
    actor: User,
    stay: Stay,
    requested_on: date,
    parental_consent: bool,
    court_case_ref: str = "",
    note: str = "",
    today: date | None = None,
) -> Extension:
    """A further two months from the day after the current period ends. With consent the centre
    decides (approved at once); otherwise the family court is asked and decides later."""
    stay = _recordable(actor, stay)
    clock = stay.clock(today)
    if clock.needs_discharge:
        raise StayRuleError(
            "一時保護状が却下されています。延長の前に解除または準抗告を記録してください。"
        )
    if clock.extension_pending:
        raise StayRuleError("判断待ちの延長申立があります。", "requested_on")
    if requested_on > clock.limit:
        raise StayRuleError(
            f"延長は現在の期間の末日（{wareki_safe(clock.limit)}）までに申し立ててください。",
            "requested_on",
        )
    if requested_on > clock.today or requested_on < stay.started_on:
        raise StayRuleError("申立日は保護開始日から今日までの日付にしてください。", "requested_on")
    period_start, period_end = rules.next_extension_period(clock.limit)
    extension = Extension(
        stay=stay,
        period_start=period_start,
        period_end=period_end,
        parental_consent=parental_consent,
        requested_on=requested_on,
        decided_on=requested_on if parental_consent else None,
        approved=True if parental_consent else None,
        court_case_ref=court_case_ref.strip(),
        note=note,
        created_by=actor,
    )
    _save_or_taken(
        extension,
        actor=actor,
        reason="一時保護の延長",
        message="この期間の延長はすでに記録されています。",
        field="requested_on",
    )
    # Filed in time, the current period's limit is met (protection may continue while the
    # family court considers it); with consent, the new period's own limit begins.
    for kind in (DeadlineKind.PROTECTION_LIMIT, DeadlineKind.EXTENSION_LIMIT):
        meet_deadline(
            kind=kind,
            subject=stay,
            evidence=extension,
            met_at=done_on(requested_on),
            label=f"延長（{_day(period_start)}〜{_day(period_end)}）",
            actor=actor,
        )
    if parental_consent:
        _stay_deadline(
            stay,
            DeadlineKind.EXTENSION_LIMIT,
            period_end,
            actor,
            lead=LIMIT_LEAD,
            suffix=period_start.isoformat(),
        )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_extension_requested",
        on=requested_on,
        params={
            "consent": parental_consent,
            "start": period_start.isoformat(),
            "end": period_end.isoformat(),
        },
    )
    return extension


@service
def extension_decide(
    *,
    actor: User,
    extension: Extension,
    approved: bool,
    decided_on: date,
    court_case_ref: str = "",
    today: date | None = None,
) -> Extension:
    stay = _recordable(actor, extension.stay)
    extension = lock(Extension.objects.all(), extension.pk)
    if extension.stay_id != stay.pk:
        raise PermissionDenied
    if extension.approved is not None:
        raise StayRuleError("この延長についての判断はすでに記録されています。", "decision")
    if decided_on < extension.requested_on or decided_on > (today or timezone.localdate()):
        raise StayRuleError("判断日は申立日から今日までの日付にしてください。", "decided_on")
    extension.approved, extension.decided_on = approved, decided_on
    fields = ["approved", "decided_on"]
    if court_case_ref.strip():
        extension.court_case_ref = court_case_ref.strip()
        fields.append("court_case_ref")
    save_with_history(extension, actor=actor, reason="家庭裁判所の判断", fields=fields)
    if approved:
        _stay_deadline(
            stay,
            DeadlineKind.EXTENSION_LIMIT,
            extension.period_end,
            actor,
            lead=LIMIT_LEAD,
            suffix=extension.period_start.isoformat(),
        )
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_extension_decided",
        on=decided_on,
        params={"approved": approved, "decided_on": decided_on.isoformat()},
    )
    return extension


SCHOOL_FIELDS = ("school", "school_contacted_on", "school_contact", "attendance", "attendance_note")


@service
def stay_update_school(
    *,
    actor: User,
    stay: Stay,
    school: str,
    contacted_on: date | None,
    contact: str,
    attendance: str,
    attendance_note: str,
) -> Stay:
    """School liaison: the school, the contact made, how attendance and 学籍 are kept. Only what
    changed is saved; a form sent empty, or unchanged, changes nothing."""
    stay = _recordable(actor, stay)
    if contacted_on and contacted_on > timezone.localdate():
        raise StayRuleError("連絡日に未来の日付は入力できません。", "contacted_on")
    if contacted_on and contacted_on < stay.started_on - timedelta(days=366):
        raise StayRuleError(
            "連絡日を確認してください（保護開始日より1年以上前です）。", "contacted_on"
        )
    wanted = {
        "school": school.strip(),
        "school_contacted_on": contacted_on,
        "school_contact": contact.strip(),
        "attendance": attendance,
        "attendance_note": attendance_note.strip(),
    }
    if not any(wanted.values()):
        raise StayRuleError("学校との連携の内容を入力してください（空のままでは保存しません）。")
    changed = [name for name in SCHOOL_FIELDS if getattr(stay, name) != wanted[name]]
    if not changed:
        raise StayRuleError("記録されている内容と同じです。")
    for name in changed:
        setattr(stay, name, wanted[name])
    save_with_history(stay, actor=actor, reason="学校との連携", fields=changed)
    case_event(case=stay.case, actor=actor, kind="stay_school", params={})
    return stay


def sync_stay_deadlines(now: datetime) -> dict[str, int]:
    """run_reminders: every stay in protection owes its deadlines (records from before the
    ledger get theirs); opening an existing one changes nothing."""
    from casework.deadlines import exclusive_run
    from casework.models import Deadline

    on_ledger = set(
        Deadline.objects.filter(kind=DeadlineKind.PROTECTION_LIMIT).values_list(
            "subject_id", flat=True
        )
    )
    opened = 0
    active = Stay.objects.active().select_related("case", "case__lead")
    for stay in active.iterator(chunk_size=500):
        if str(stay.pk) in on_ledger:
            continue
        with exclusive_run():
            open_stay_deadlines(stay, None)
        opened += 1
    return {"一時保護": opened}
