"""Writes for intake. Each names the acting user; history records who did it and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework import rules
from casework.choices import Category, DeadlineKind, Role
from casework.deadlines import escalate, lapse_deadline, meet_deadline, open_deadline
from casework.models import Case, Child, Team, User
from casework.services import open_case
from casework.writes import (
    CaseRuleError,
    case_event,
    lock,
    save_with_history,
    service,
)
from intake import ladder
from intake.choices import (
    ABUSE_FIELDS,
    DIRECT_METHODS,
    SIGHTING_OUTCOMES,
    STEP_OUTCOMES,
    Agency,
    AttemptOutcome,
    ConsultationStatus,
    Outcome,
    SafetyMethod,
)
from intake.models import Consultation, LegalStep, Route, SafetyConfirmation, queue_team_ids

FUTURE_TOLERANCE = timedelta(minutes=5)

MSG_ADULT = "18歳以上の方の相談は受け付けられません（児童福祉法4条）。"
MSG_SHOHO_AGE = (
    "触法行為等相談は行為時14歳未満の児童が対象です（刑法41条）。ぐ犯等相談などを選んでください。"
)
MSG_SHOHO_DATE = "触法行為等相談では、行為の日を入力してください。"
MSG_ACT_FUTURE = "行為の日は受付日より前の日付にしてください。"
MSG_ABUSE_TYPES = "虐待の種別を1つ以上選んでください（複数選べます）。"
MSG_REPORTER = "通告者・相談者の氏名を入力するか、「匿名」にチェックしてください。"
MSG_FUTURE = "受付日時に未来の日時は入力できません。"
MSG_ROUTE = "この経路は受付日には使われていません。受付日に有効な経路を選んでください。"
MSG_NOT_OPEN = "この相談はすでに受理または終了の判断がされています。"


class IntakeRuleError(CaseRuleError):
    """A consultation the rules refuse; messages are keyed by form field, in Japanese."""


@dataclass
class Reporter:
    anonymous: bool = False
    name: str = ""
    relation: str = ""
    contact: str = ""


@dataclass
class ConsultationData:
    """What the intake form collects (the child is passed separately)."""

    team: Team
    received_at: datetime
    channel: str
    route: Route
    category: int
    urgency: str
    summary: str
    act_date: date | None = None
    abuse_types: Iterable[str] = ()
    reporter: Reporter = field(default_factory=Reporter)


def check_rules(data: ConsultationData, birth_date: date | None) -> dict[str, list[str]]:
    """The age, date and report rules, as {field: [messages]} (empty when all is well)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    # A form with other errors passes what it could read (None for the rest): each rule whose
    # inputs are there still runs, so every error shows on the first submit.
    received_at = data.received_at
    received_on = None
    if received_at is not None:
        if received_at > timezone.now() + FUTURE_TOLERANCE:
            add("received_at", MSG_FUTURE)
        received_on = timezone.localtime(received_at).date()
    if received_on and data.route is not None and not data.route.is_effective_on(received_on):
        add("route", MSG_ROUTE)
    if birth_date is not None and received_on and not rules.is_child(birth_date, received_on):
        add("birth_date", MSG_ADULT)
    if data.category == Category.SHOHO:
        if data.act_date is None:
            add("act_date", MSG_SHOHO_DATE)
        elif received_on and data.act_date > received_on:
            add("act_date", MSG_ACT_FUTURE)
        elif birth_date is not None and not rules.shoho_applies(birth_date, data.act_date):
            add("act_date", MSG_SHOHO_AGE)
    if data.category == Category.ABUSE and not set(data.abuse_types) & set(ABUSE_FIELDS):
        add("abuse_types", MSG_ABUSE_TYPES)
    reporter = data.reporter
    if not reporter.anonymous and not reporter.name.strip():
        add("reporter_name", MSG_REPORTER)
    return errors


def _require_receiver(actor: User, team: Team) -> None:
    """Consultations are recorded for a team whose queue the actor works."""
    if not team.active or team.pk not in queue_team_ids(actor):
        raise PermissionDenied


@service
def consultation_create(
    *,
    actor: User,
    data: ConsultationData,
    child: Child | None = None,
    new_child: Child | None = None,
) -> Consultation:
    """Record a consultation about an existing child or a new one (saved here, never merged).

    The 48-hour safety clock of an abuse report starts at the moment of receipt.
    """
    if (child is None) == (new_child is None):
        raise ValueError("pass exactly one of child or new_child")
    _require_receiver(actor, data.team)
    subject = child or new_child
    errors = check_rules(data, subject.birth_date)
    if errors:
        raise IntakeRuleError(errors)
    if new_child is not None:
        new_child.created_by = actor
        save_with_history(new_child, actor=actor, reason="相談受付で児童を新規登録")
        child = new_child
    reporter = data.reporter
    consultation = Consultation(
        registered_child=new_child is not None,
        received_at=data.received_at,
        channel=data.channel,
        route=data.route,
        category=data.category,
        urgency=data.urgency,
        summary=data.summary,
        child=child,
        act_date=data.act_date if data.category == Category.SHOHO else None,
        reporter_anonymous=reporter.anonymous,
        reporter_name="" if reporter.anonymous else reporter.name.strip(),
        reporter_relation=reporter.relation.strip(),
        reporter_contact="" if reporter.anonymous else reporter.contact.strip(),
        received_by=actor,
        team=data.team,
        status=ConsultationStatus.OPEN,
    )
    if data.category == Category.ABUSE:
        for code in data.abuse_types:
            setattr(consultation, ABUSE_FIELDS[code], True)
        consultation.safety_due_at = rules.safety_check_due(data.received_at)
    save_with_history(consultation, actor=actor, reason="相談受付")
    if consultation.safety_due_at is not None:
        open_safety_deadline(consultation, actor=actor)
    return consultation


def open_safety_deadline(
    consultation: Consultation, *, actor: User | None, case: Case | None = None
):
    """The 48-hour safety check on the ledger: the receiving team's until a case takes it, then
    its lead's (DOMAIN §3)."""
    return open_deadline(
        kind=DeadlineKind.SAFETY_CHECK,
        subject=consultation,
        due_at=consultation.safety_due_at,
        actor=actor,
        owner=case.lead if case else None,
        team_id=case.team_id if case else consultation.team_id,
        case_id=case.pk if case else None,
        child_id=consultation.child_id,
    )


def close_safety_clock(
    consultation: Consultation, *, evidence, seen_at: datetime, label: str, actor: User | None
) -> None:
    """Stop the 48-hour clock (the first sighting) and close its deadline with the evidence."""
    if consultation.safety_confirmed_at is None or seen_at < consultation.safety_confirmed_at:
        consultation.safety_confirmed_at = seen_at
        save_with_history(
            consultation,
            actor=actor,
            reason="安全確認により48時間の期限を終了",
            fields=["safety_confirmed_at"],
        )
    meet_deadline(
        kind=DeadlineKind.SAFETY_CHECK,
        subject=consultation,
        evidence=evidence,
        met_at=seen_at,
        label=label,
        actor=actor,
    )
    # The sighting ends the ladder: the dates of steps still pending leave the ledger.
    for step in consultation.legal_steps.filter(outcome="").order_by("pk"):
        lapse_deadline(
            kind=DeadlineKind.SAFETY_STEP,
            subject=step,
            reason="児童を直接目視で確認したため終了",
            actor=actor,
        )


def _lock_for(actor: User, consultation: Consultation, action: str) -> Consultation:
    """Re-read the consultation under a lock, with what the actor may do with it."""
    locked = lock(Consultation.objects.select_related("child"), consultation.pk, actor=actor)
    if not locked.may(action):
        raise PermissionDenied
    return locked


def _require_open(consultation: Consultation) -> None:
    """Two supervisors cannot both accept (or close) the same consultation."""
    if consultation.status != ConsultationStatus.OPEN:
        raise IntakeRuleError(MSG_NOT_OPEN)


@service
def consultation_accept(*, actor: User, consultation: Consultation, team: Team, lead: User) -> Case:
    """受理: open a new case for the child in a team with a lead worker (who gets access)."""
    locked = _lock_for(actor, consultation, "decide")
    _require_open(locked)
    if not actor.is_supervisor_of(team.pk):
        raise IntakeRuleError(
            {"team": ["担当係は、あなたがスーパーバイザーを務める係から選んでください。"]}
        )
    try:
        case = open_case(
            actor=actor,
            child=locked.child,
            team=team,
            lead=lead,
            category=locked.category,
            opened_on=timezone.localtime(locked.received_at).date(),
            summary=locked.summary,
        )
    except CaseRuleError as error:
        raise IntakeRuleError({error.field or "lead": error.messages}) from error
    locked.status = ConsultationStatus.ACCEPTED
    locked.case = case
    locked.decided_by, locked.decided_at = actor, timezone.now()
    save_with_history(
        locked, actor=actor, reason="受理", fields=["status", "case", "decided_by", "decided_at"]
    )
    if locked.safety_due_at is not None and locked.safety_confirmed_at is None:
        open_safety_deadline(locked, actor=actor, case=case)  # now the case's lead's
    for step in locked.legal_steps.select_for_update().order_by("pk"):
        step.case = case  # the steps already taken are on the case file
        save_with_history(step, actor=actor, reason="受理（ケースへ）", fields=["case"])
        if step.pending:
            open_step_deadline(step, actor=actor)
    case_event(
        case=case,
        actor=actor,
        kind="intake_accepted",
        params={
            "number": locked.number,
            "category": str(locked.category_label),
            "channel": str(locked.channel_label),
        },
        at=locked.received_at,
    )
    return case


@service
def consultation_decline(
    *, actor: User, consultation: Consultation, outcome: str, note: str = ""
) -> Consultation:
    """Close without a case (助言・情報提供, 他機関紹介, 対象外); it is still counted."""
    if outcome not in Outcome.values:
        raise IntakeRuleError({"outcome": ["終了区分を選んでください。"]})
    if outcome == Outcome.REFERRAL and not note.strip():
        raise IntakeRuleError({"note": ["紹介先の機関を入力してください。"]})
    locked = _lock_for(actor, consultation, "decide")
    _require_open(locked)
    locked.status = ConsultationStatus.NOT_ACCEPTED
    locked.outcome, locked.outcome_note = outcome, note.strip()
    locked.decided_by, locked.decided_at = actor, timezone.now()
    save_with_history(
        locked,
        actor=actor,
        reason="ケース化せず終了",
        fields=["status", "outcome", "outcome_note", "decided_by", "decided_at"],
    )
    return locked


@service
def safety_confirm(
    *,
    actor: User,
    consultation: Consultation,
    seen_at: datetime,
    seen_by: str,
    agency: str,
    agency_name: str = "",
    place: str,
    method: str,
    notes: str = "",
    outcome: str | None = None,
) -> SafetyConfirmation:
    """Record who saw the child (or tried to), when, where, how and with what outcome (不在,
    拒否, 目視できた). Any contact is evidence and is kept; the first direct sighting (outcome
    目視できた, by a direct method) stops the 48-hour clock; a failed attempt (不在・拒否) opens
    the ladder of legal steps (intake/ladder.py). Without an outcome (older callers) it follows
    from the method."""
    locked = _lock_for(actor, consultation, "confirm")
    errors: dict[str, list[str]] = {}
    if outcome is None:
        outcome = attempt_outcome_of(method)
    if outcome not in AttemptOutcome.values:
        errors["outcome"] = ["結果（不在・拒否・目視できた）を選んでください。"]
    elif outcome == AttemptOutcome.SEEN and method not in DIRECT_METHODS:
        errors["method"] = ["目視できたときは、直接目視の方法を選んでください。"]
    elif outcome != AttemptOutcome.SEEN and method in DIRECT_METHODS:
        errors["outcome"] = [
            "直接目視の方法を選んだときは、結果を「目視できた」にしてください。"
            "会えなかったときは「家庭訪問（会えず）」などを選んでください。"
        ]
    if agency == Agency.PARTNER and not agency_name.strip():
        errors["agency_name"] = ["確認した協力機関の名称を入力してください。"]
    if seen_at < locked.received_at:
        errors["seen_at"] = ["確認日時は受付日時より後にしてください。"]
    elif seen_at > timezone.now() + FUTURE_TOLERANCE:
        errors["seen_at"] = ["確認日時に未来の日時は入力できません。"]
    if errors:
        raise IntakeRuleError(errors)
    confirmation = SafetyConfirmation(
        consultation=locked,
        seen_at=seen_at,
        seen_by=seen_by.strip(),
        agency=agency,
        agency_name=agency_name.strip() if agency == Agency.PARTNER else "",
        place=place.strip(),
        method=method,
        seen_directly=outcome == AttemptOutcome.SEEN,
        outcome=outcome,
        notes=notes.strip(),
        recorded_by=actor,
    )
    if not confirmation.seen_directly:
        reason = f"安全確認（接触の試み・{confirmation.outcome_label}）の記録"
        save_with_history(confirmation, actor=actor, reason=reason)
        return confirmation
    save_with_history(confirmation, actor=actor, reason="安全確認（直接目視）の記録")
    close_safety_clock(
        locked,
        evidence=confirmation,
        seen_at=seen_at,
        label=f"安全確認（{confirmation.get_method_display()}、直接目視）",
        actor=actor,
    )
    return confirmation


def attempt_outcome_of(method: str) -> str:
    """The outcome an attempt recorded without one had: a direct method saw the child, a visit
    with nobody met found nobody at home, a call or word from others did not see the child."""
    if method in DIRECT_METHODS:
        return AttemptOutcome.SEEN
    if method == SafetyMethod.VISIT_NO_CONTACT:
        return AttemptOutcome.ABSENT
    return AttemptOutcome.NOT_SEEN


# --- the ladder when the child cannot be seen (issue 14 item 3) -----------------------------


def ladder_record(consultation: Consultation) -> ladder.Record:
    """What intake/ladder.py decides on: the outcomes of the attempts and the steps so far."""
    return ladder.Record.of(
        consultation.safety_confirmations.values_list("outcome", flat=True),
        consultation.legal_steps.order_by("pk").values_list("kind", "outcome"),
    )


def step_team_id(consultation: Consultation) -> int:
    return consultation.case.team_id if consultation.case_id else consultation.team_id


def open_step_deadline(step: LegalStep, *, actor: User | None):
    """The step's date on the ledger (SAFETY_STEP), owned by its worker; the team's supervisors
    are told at once (LADDERS: owner and supervisors at opening)."""
    consultation = step.consultation
    deadline = open_deadline(
        kind=DeadlineKind.SAFETY_STEP,
        subject=step,
        due_at=step.scheduled_at,
        actor=actor,
        owner=step.worker,
        team_id=step_team_id(consultation),
        case_id=consultation.case_id,
        child_id=consultation.child_id,
    )
    escalate([deadline], timezone.now())
    return deadline


def _check_step_dates(errors, *, received_at, decided_on, scheduled_at) -> None:
    received_on = timezone.localtime(received_at).date()
    if decided_on is not None:
        if decided_on < received_on:
            errors.setdefault("decided_on", []).append("決定日は受付日以後にしてください。")
        elif decided_on > timezone.localdate():
            errors.setdefault("decided_on", []).append("決定日に未来の日付は入力できません。")
    if (
        scheduled_at is not None
        and decided_on is not None
        and timezone.localtime(scheduled_at).date() < decided_on
    ):
        errors.setdefault("scheduled_at", []).append("期日は決定日以後にしてください。")


def _check_worker(errors, worker: User | None, team_id: int) -> None:
    if worker is None:
        errors.setdefault("worker", []).append("担当職員を選んでください。")
    elif not worker.is_active or team_id not in worker.team_ids():
        errors.setdefault("worker", []).append("担当係の職員から選んでください。")
    elif not worker.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        errors.setdefault("worker", []).append(
            "福祉司・心理司またはスーパーバイザーを選んでください。"
        )


@service
def legal_step_record(
    *,
    actor: User,
    consultation: Consultation,
    kind: str,
    decided_on: date,
    scheduled_at: datetime,
    addressee: str,
    place: str,
    worker: User,
    notes: str = "",
) -> LegalStep:
    """Record a legal step (出頭要求, 立入調査, 再出頭要求, 許可状請求, 臨検・捜索, 援助要請)
    decided after a failed attempt, in the order of intake/ladder.py: a step out of order is refused
    and nothing is saved. Its date goes on the ledger; the supervisors are alerted."""
    locked = lock(
        Consultation.objects.select_related("child", "case"), consultation.pk, actor=actor
    )
    if not locked.may("confirm"):
        raise PermissionDenied
    refused = ladder.refusal(kind, ladder_record(locked))
    if refused:
        raise IntakeRuleError({"kind": [refused]})
    errors: dict[str, list[str]] = {}
    _check_step_dates(
        errors, received_at=locked.received_at, decided_on=decided_on, scheduled_at=scheduled_at
    )
    _check_worker(errors, worker, step_team_id(locked))
    if not addressee.strip():
        errors["addressee"] = ["相手方（保護者の氏名）を入力してください。"]
    if not place.strip():
        errors["place"] = ["場所を入力してください。"]
    if errors:
        raise IntakeRuleError(errors)
    step = LegalStep(
        consultation=locked,
        case=locked.case,
        kind=kind,
        decided_on=decided_on,
        scheduled_at=scheduled_at,
        addressee=addressee.strip(),
        place=place.strip(),
        worker=worker,
        notes=notes.strip(),
        recorded_by=actor,
    )
    save_with_history(step, actor=actor, reason=f"{step.kind_label}の記録")
    open_step_deadline(step, actor=actor)
    return step


@service
def legal_step_outcome(
    *,
    actor: User,
    step: LegalStep,
    outcome: str,
    outcome_at: datetime,
    outcome_notes: str = "",
) -> LegalStep:
    """What came of a step, when. Its date on the ledger is met; an outcome in which the child
    was seen (応じた・児童を確認, 児童を確認) is a direct sighting: the 48-hour clock stops and
    the ladder ends."""
    consultation = lock(
        Consultation.objects.select_related("child", "case"), step.consultation_id, actor=actor
    )
    if not consultation.may("confirm"):
        raise PermissionDenied
    locked = lock(LegalStep.objects.select_related("worker"), step.pk)
    if not locked.pending:
        raise IntakeRuleError("この措置の結果はすでに記録されています。")
    errors: dict[str, list[str]] = {}
    if outcome not in STEP_OUTCOMES.get(locked.kind, ()):
        errors["outcome"] = ["この措置の結果を一覧から選んでください。"]
    if outcome_at is None:
        errors["outcome_at"] = ["結果の日時を入力してください。"]
    else:
        if timezone.localtime(outcome_at).date() < locked.decided_on:
            errors["outcome_at"] = ["結果の日時は決定日以後にしてください。"]
        elif outcome_at > timezone.now() + FUTURE_TOLERANCE:
            errors["outcome_at"] = ["結果の日時に未来の日時は入力できません。"]
    if errors:
        raise IntakeRuleError(errors)
    locked.outcome, locked.outcome_at = outcome, outcome_at
    locked.outcome_notes = outcome_notes.strip()
    save_with_history(
        locked,
        actor=actor,
        reason=f"{locked.kind_label}の結果（{locked.outcome_label}）",
        fields=["outcome", "outcome_at", "outcome_notes"],
    )
    meet_deadline(
        kind=DeadlineKind.SAFETY_STEP,
        subject=locked,
        evidence=locked,
        met_at=outcome_at,
        label=f"{locked.kind_label}：{locked.outcome_label}",
        actor=actor,
    )
    if outcome in SIGHTING_OUTCOMES and consultation.clock_open:
        close_safety_clock(
            consultation,
            evidence=locked,
            seen_at=outcome_at,
            label=f"{locked.kind_label}（児童を直接目視）",
            actor=actor,
        )
    return locked


def child_taken_into_protection(*, child, stay, actor: User | None, at: datetime) -> None:
    """Registered with casework: a child placed under the centre's protection is seen (issue
    12): the open 48-hour clocks of the child's reports close, with the admission as evidence."""
    reports = Consultation.objects.select_for_update().filter(
        child=child, safety_due_at__isnull=False, safety_confirmed_at__isnull=True
    )
    for consultation in reports.order_by("pk"):
        close_safety_clock(
            consultation, evidence=stay, seen_at=at, label="一時保護（入所）", actor=actor
        )


def sync_safety_deadlines(now: datetime) -> dict[str, int]:
    """run_reminders: every open 48-hour clock is on the ledger; a clock stopped without its
    deadline closing (records from before the ledger) closes it with its confirmation."""
    from casework.deadlines import exclusive_run
    from casework.models import Deadline

    on_ledger = set(
        Deadline.objects.filter(kind=DeadlineKind.SAFETY_CHECK).values_list("subject_id", flat=True)
    )
    opened = 0
    clocks = Consultation.objects.open_clocks().select_related("case", "case__lead")
    for consultation in clocks.iterator(chunk_size=2000):
        if str(consultation.pk) in on_ledger:
            continue
        with exclusive_run():
            open_safety_deadline(
                consultation,
                actor=None,
                case=consultation.case if consultation.case_id else None,
            )
        opened += 1
    stopped = Deadline.objects.filter(
        kind=DeadlineKind.SAFETY_CHECK,
        state="open",
        subject_type=Consultation._meta.label,
    ).values_list("subject_id", flat=True)
    met = 0
    for consultation in Consultation.objects.filter(
        pk__in=[int(pk) for pk in stopped], safety_confirmed_at__isnull=False
    ).iterator(chunk_size=2000):
        first = (
            consultation.safety_confirmations.filter(seen_directly=True).order_by("seen_at").first()
        )
        if first is None:
            continue
        with exclusive_run():
            meet_deadline(
                kind=DeadlineKind.SAFETY_CHECK,
                subject=consultation,
                evidence=first,
                met_at=first.seen_at,
                label="安全確認（直接目視）",
                actor=None,
            )
        met += 1
    return {"48時間": opened + met}


def sync_step_deadlines(now: datetime) -> dict[str, int]:
    """run_reminders: every pending step of an open ladder has its date on the ledger; a step
    whose outcome is on record (entered before the ledger knew it) meets its date."""
    from casework.deadlines import exclusive_run
    from casework.models import Deadline

    label = LegalStep._meta.label
    on_ledger = set(
        Deadline.objects.filter(kind=DeadlineKind.SAFETY_STEP, subject_type=label).values_list(
            "subject_id", flat=True
        )
    )
    opened = 0
    pending = LegalStep.objects.filter(
        outcome="", consultation__safety_confirmed_at__isnull=True
    ).select_related("consultation", "worker")
    for step in pending.iterator(chunk_size=2000):
        if str(step.pk) in on_ledger:
            continue
        with exclusive_run():
            open_step_deadline(step, actor=None)
        opened += 1
    waiting = Deadline.objects.filter(
        kind=DeadlineKind.SAFETY_STEP, state="open", subject_type=label
    ).values_list("subject_id", flat=True)
    met = 0
    for step in LegalStep.objects.filter(pk__in=[int(pk) for pk in waiting]).exclude(outcome=""):
        with exclusive_run():
            meet_deadline(
                kind=DeadlineKind.SAFETY_STEP,
                subject=step,
                evidence=step,
                met_at=step.outcome_at,
                label=f"{step.kind_label}：{step.outcome_label}",
                actor=None,
            )
        met += 1
    return {"出頭要求・立入調査等": opened + met}
