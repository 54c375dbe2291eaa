"""Writes for the shelter: admit, move, discharge, consent, warrant, extension, school liaison.

Locking: every service that takes or frees a bed first locks the active Bed rows
(`SELECT … FOR UPDATE` on PostgreSQL, ordered by id so two writers never deadlock; on SQLite
the IMMEDIATE transaction already holds the database's write lock from BEGIN). Only then does
it count and check, so two staff admitting at the same moment are served one after the other
and the second sees the first's admission. The database constraints (shelter/models.py and the
PostgreSQL exclusion constraints of migration 0002) are the last line: if Python were wrong,
the insert fails, and the IntegrityError becomes the same Japanese message.

Lock order everywhere: beds → stay → audit chain head (taken when history rows are written).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from casework import rules
from casework.models import Case, User
from casework.services import CaseRuleError, case_event, save_with_history
from shelter.access import can_manage_beds, can_record
from shelter.choices import AppealResult, StayKind, WarrantResult
from shelter.clock import APPEAL_DAYS
from shelter.models import Bed, BedAssignment, Extension, Stay

FULL = "満床です。空いているベッドがありません（在所 {occupied}/{capacity}）。"
BED_TAKEN = (
    "ベッド使用中です。{bed} には別の児童が入所しています。空いているベッドを選んでください。"
)
BED_BUSY_RACE = "ベッド使用中です。同時に別の入所が記録されました。ボードを確認してください。"


class StayRuleError(CaseRuleError):
    """A refused act, in Japanese; `field` names the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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


def _pick_bed(beds: list[Bed], taken: set[int], child, on: date) -> Bed:
    """A free bed, preferring a room marked for the child's sex and age."""
    free = [b for b in beds if b.pk not in taken]
    if not free:
        raise StayRuleError(f"{on} から空いているベッドがありません。", "bed")
    matching = [b for b in free if not room_mismatch(b, child, on)]
    return (matching or free)[0]


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
            raise StayRuleError(ALREADY_IN, "case_number") from exc
        raise StayRuleError(message, field) from exc
    except ValidationError as exc:
        if isinstance(exc, CaseRuleError):
            raise
        text = " ".join(exc.messages)
        raise StayRuleError(text, "case_number" if ALREADY_IN in text else field) from exc


# --- admission ------------------------------------------------------------------------------


def _check_admission(*, case: Case, started_on: date, today: date) -> None:
    if case.is_closed:
        raise StayRuleError("終結したケースの児童は入所できません。", "case_number")
    if started_on > today:
        raise StayRuleError("保護開始日に未来の日付は入力できません。", "started_on")
    if Stay.objects.active().filter(child_id=case.child_id).exists():
        raise StayRuleError(ALREADY_IN, "case_number")
    if Stay.objects.filter(child_id=case.child_id, ended_on__gt=started_on).exists():
        raise StayRuleError("この日付は以前の一時保護の期間と重なります。", "started_on")


@transaction.atomic
def stay_admit(
    *,
    actor: User,
    case: Case,
    grounds: str,
    started_on: date,
    parental_consent: bool,
    kind: str = StayKind.SHELTER,
    bed: Bed | None = None,
    entrusted_to: str = "",
    planned_end_on: date | None = None,
    today: date | None = None,
) -> Stay:
    """Admit the child of an open case: into a bed (any free one when `bed` is None), or record
    委託一時保護 (no bed). Refuses with 「満床」 or 「ベッド使用中」 in Japanese."""
    if not can_manage_beds(actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    child = case.child
    stay = Stay(
        child=child,
        case=case,
        kind=kind,
        grounds=grounds,
        started_on=started_on,
        planned_end_on=planned_end_on,
        parental_consent=parental_consent,
        consent_recorded_on=started_on if parental_consent else None,
        school=child.school,
        created_by=actor,
    )
    beds = lock_beds()  # from here on, no other admission, move or discharge interleaves
    _check_admission(case=case, started_on=started_on, today=today)
    if kind == StayKind.ENTRUSTED:
        if not entrusted_to.strip():
            raise StayRuleError("委託先を入力してください。", "entrusted_to")
        stay.entrusted_to = entrusted_to.strip()
        _save_or_taken(stay, actor=actor, reason="委託一時保護の開始", message=ALREADY_IN)
        case_event(
            case=case,
            actor=actor,
            kind="stay_admitted",
            text=f"委託一時保護を開始（委託先：{stay.entrusted_to}、開始日 {started_on}）",
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
    stay.bed = bed
    _save_or_taken(stay, actor=actor, reason="一時保護所への入所", message=BED_BUSY_RACE)
    assignment = BedAssignment(stay=stay, bed=bed, from_date=started_on)
    _save_or_taken(assignment, actor=actor, reason="ベッドの割当", message=BED_BUSY_RACE)
    note = room_mismatch(bed, child, started_on)
    case_event(
        case=case,
        actor=actor,
        kind="stay_admitted",
        text=f"一時保護所に入所（{bed.room.name}・ベッド {bed}、開始日 {started_on}）"
        + (f"。{note}" if note else ""),
    )
    return stay


# --- moves and discharge --------------------------------------------------------------------


def _locked_stay(stay: Stay) -> Stay:
    return (
        Stay.objects.select_for_update(of=("self",))
        .select_related("case", "child", "bed", "bed__room")
        .get(pk=stay.pk)
    )


def _open_assignment(stay: Stay) -> BedAssignment | None:
    return BedAssignment.objects.filter(stay=stay, to_date__isnull=True).first()


def _require_active(stay: Stay) -> None:
    if stay.ended_on is not None:
        raise StayRuleError("この一時保護はすでに解除されています。")


def _check_day(day: date, stay: Stay, today: date, field: str, what: str) -> None:
    if day > today:
        raise StayRuleError(f"{what}に未来の日付は入力できません。", field)
    if day < stay.started_on:
        raise StayRuleError(f"{what}は保護開始日（{stay.started_on}）以降にしてください。", field)


@transaction.atomic
def stay_move(
    *, actor: User, stay: Stay, bed: Bed, moved_on: date, today: date | None = None
) -> Stay:
    """Move a child to another free bed from `moved_on`."""
    if not can_manage_beds(actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    beds = lock_beds()
    stay = _locked_stay(stay)
    _require_active(stay)
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
            f"移動日は現在のベッドに入った日（{current.from_date}）以降にしてください。",
            "moved_on",
        )
    if bed.pk in occupied_bed_ids(on=moved_on):
        raise StayRuleError(BED_TAKEN.format(bed=bed), "bed")
    bed = next(b for b in beds if b.pk == bed.pk)
    old_bed = stay.bed
    if current is not None:
        current.to_date = moved_on
        save_with_history(current, actor=actor, reason="ベッドの移動")
    stay.bed = bed
    _save_or_taken(stay, actor=actor, reason="ベッドの移動", message=BED_BUSY_RACE)
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
        text=f"一時保護所内でベッドを移動（{old_bed} → {bed}、{moved_on}）",
    )
    return stay


@transaction.atomic
def stay_discharge(
    *,
    actor: User,
    stay: Stay,
    ended_on: date,
    destination: str,
    reason: str,
    today: date | None = None,
) -> Stay:
    """End the protection: the bed is free from `ended_on`; the record stays."""
    if not can_manage_beds(actor):
        raise PermissionDenied
    today = today or timezone.localdate()
    if stay.kind == StayKind.SHELTER:
        lock_beds()
    stay = _locked_stay(stay)
    _require_active(stay)
    _check_day(ended_on, stay, today, "ended_on", "退所日")
    if not reason.strip():
        raise StayRuleError("解除の理由を入力してください。", "reason")
    current = _open_assignment(stay)
    if current is not None:
        if ended_on < current.from_date:
            raise StayRuleError(
                f"退所日は現在のベッドに入った日（{current.from_date}）以降にしてください。",
                "ended_on",
            )
        current.to_date = ended_on
        save_with_history(current, actor=actor, reason="退所によるベッドの解放")
    stay.ended_on, stay.destination, stay.discharge_reason = ended_on, destination, reason.strip()
    save_with_history(stay, actor=actor, reason="一時保護の解除")
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_discharged",
        text=f"一時保護を解除（{ended_on}、退所先：{stay.get_destination_display()}）",
    )
    return stay


# --- consent, warrant and extension ----------------------------------------------------------


def _recordable(actor: User, stay: Stay) -> Stay:
    stay = _locked_stay(stay)
    _require_active(stay)
    if not can_record(actor, stay):
        raise PermissionDenied
    return stay


@transaction.atomic
def stay_record_consent(
    *, actor: User, stay: Stay, consent: bool, on: date, today: date | None = None
) -> Stay:
    """Record whether the person with parental authority consents (no warrant is then due)."""
    stay = _recordable(actor, stay)
    _check_day(on, stay, today or timezone.localdate(), "on", "確認日")
    if stay.parental_consent == consent:
        raise StayRuleError("記録されている内容と同じです。", "consent")
    stay.parental_consent, stay.consent_recorded_on = consent, on
    text = "親権者等の同意を確認" if consent else "親権者等の同意がないことを確認"
    save_with_history(stay, actor=actor, reason=text)
    case_event(case=stay.case, actor=actor, kind="stay_consent", text=f"一時保護：{text}（{on}）")
    return stay


@transaction.atomic
def stay_record_warrant_request(
    *, actor: User, stay: Stay, requested_on: date, today: date | None = None
) -> Stay:
    stay = _recordable(actor, stay)
    if stay.warrant_requested_on:
        raise StayRuleError("一時保護状の請求はすでに記録されています。", "requested_on")
    if requested_on > (today or timezone.localdate()):
        raise StayRuleError("請求日に未来の日付は入力できません。", "requested_on")
    stay.warrant_requested_on = requested_on
    due = rules.warrant_request_due(stay.started_on)
    late = f"（期限 {due} を過ぎての請求）" if requested_on > due else ""
    save_with_history(stay, actor=actor, reason="一時保護状の請求")
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_warrant",
        text=f"一時保護状を請求（{requested_on}）{late}",
    )
    return stay


@transaction.atomic
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
    save_with_history(stay, actor=actor, reason="一時保護状についての判断")
    text = f"一時保護状が{stay.get_warrant_result_display()}（{decided_on}）"
    if result == WarrantResult.REFUSED:
        text += "。保護を解除するか、準抗告を記録してください"
    case_event(case=stay.case, actor=actor, kind="stay_warrant", text=text)
    return stay


@transaction.atomic
def stay_record_appeal(
    *, actor: User, stay: Stay, appeal_on: date, result: str = "", today: date | None = None
) -> Stay:
    """準抗告 against a refusal: filed within 3 days; its result when known."""
    stay = _recordable(actor, stay)
    if stay.warrant_result != WarrantResult.REFUSED:
        raise StayRuleError("準抗告は一時保護状が却下された場合に記録できます。", "appeal_on")
    if stay.appeal_result:
        raise StayRuleError("準抗告の結果はすでに記録されています。", "result")
    last = stay.warrant_decided_on + timedelta(days=APPEAL_DAYS)
    if not stay.warrant_decided_on <= appeal_on <= last:
        raise StayRuleError(
            f"準抗告の申立日は却下の日から{APPEAL_DAYS}日以内（{last}まで）にしてください。",
            "appeal_on",
        )
    if appeal_on > (today or timezone.localdate()):
        raise StayRuleError("申立日に未来の日付は入力できません。", "appeal_on")
    first = stay.appeal_on is None
    stay.appeal_on, stay.appeal_result = appeal_on, result
    save_with_history(stay, actor=actor, reason="準抗告の記録")
    text = f"準抗告を申立（{appeal_on}）" if first else "準抗告"
    if result:
        text += f"：{AppealResult(result).label}"
    case_event(case=stay.case, actor=actor, kind="stay_warrant", text=text)
    return stay


@transaction.atomic
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
            f"延長は現在の期間の末日（{clock.limit}）までに申し立ててください。", "requested_on"
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
    how = "親権者等の同意により延長" if parental_consent else "家庭裁判所に延長の承認を申立"
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_extension",
        text=f"一時保護：{how}（{period_start}〜{period_end}）",
    )
    return extension


@transaction.atomic
def extension_decide(
    *, actor: User, extension: Extension, approved: bool, decided_on: date, court_case_ref: str = ""
) -> Extension:
    stay = _recordable(actor, extension.stay)
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.approved is not None:
        raise StayRuleError("この延長についての判断はすでに記録されています。", "decision")
    if decided_on < extension.requested_on or decided_on > timezone.localdate():
        raise StayRuleError("判断日は申立日から今日までの日付にしてください。", "decided_on")
    extension.approved, extension.decided_on = approved, decided_on
    if court_case_ref.strip():
        extension.court_case_ref = court_case_ref.strip()
    save_with_history(extension, actor=actor, reason="家庭裁判所の判断")
    verdict = "承認" if approved else "不承認"
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_extension",
        text=f"家庭裁判所が一時保護の延長を{verdict}（{decided_on}）"
        + ("" if approved else "。期間の末日までに保護を解除してください"),
    )
    return extension


@transaction.atomic
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
    """School liaison: the school, the contact made, how attendance and 学籍 are kept."""
    stay = _recordable(actor, stay)
    if contacted_on and contacted_on > timezone.localdate():
        raise StayRuleError("連絡日に未来の日付は入力できません。", "contacted_on")
    stay.school, stay.school_contacted_on, stay.school_contact = school, contacted_on, contact
    stay.attendance, stay.attendance_note = attendance, attendance_note
    save_with_history(stay, actor=actor, reason="学校との連携")
    case_event(
        case=stay.case,
        actor=actor,
        kind="stay_school",
        text=f"一時保護中の学校連携を記録（{school or '学校名未記入'}）",
    )
    return stay
