"""The deadline ledger's engine: open, meet, lapse, escalate and notify (issue 11).

Services of every app call `open_deadline` when an obligation starts and `meet_deadline` (with
the record that fulfils it) or `lapse_deadline` (with the reason it no longer applies) when the
work is done — inside their own transaction, after their other locks (lock order 7 in
casework/services.py). `run_reminders` (management command) brings the ledger up to date from
the records themselves and sends the escalation steps that have fallen due, each once.

A deadline is keyed by what it is about (`key`): opening it twice is the same row, so services
and run_reminders, or two run_reminders at once, never duplicate it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from casework.audit.chain import bulk_create_chained
from casework.choices import DeadlineKind, DeadlineState
from casework.models import Case, Deadline, DutyAssignment, Membership, Notification, User
from casework.writes import (
    CaseRuleError,
    check_dates_in_range,
    lock,
    save_with_history,
    service,
)

K = DeadlineKind


def end_of_day(day: date) -> datetime:
    """A date deadline ends at the end of that day, Asia/Tokyo."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def done_on(day: date) -> datetime:
    """The time a thing done on `day` counts as done for the ledger: the end of that day, not
    later than now (a date-only record meets its deadline on its own day)."""
    return min(timezone.now(), end_of_day(day) - timedelta(seconds=1))


def subject_ref(obj: models.Model) -> tuple[str, str]:
    return obj._meta.label, str(obj.pk)


def deadline_key(kind: str, subject: models.Model, suffix: str = "") -> str:
    label, pk = subject_ref(subject)
    return f"{kind}:{label}:{pk}{':' + suffix if suffix else ''}"


# --- opening, meeting, lapsing -----------------------------------------------------------


def open_deadline(
    *,
    kind: str,
    subject: models.Model,
    due_at: datetime,
    actor: User | None = None,
    owner: User | None = None,
    team_id: int | None = None,
    case_id: int | None = None,
    child_id: int | None = None,
    lead: timedelta | None = None,
    statutory: bool = True,
    suffix: str = "",
) -> Deadline:
    """The deadline for this obligation, created once; an open one follows a changed due time
    or owner (a closed one is never reopened: a new period has its own `suffix`)."""
    key = deadline_key(kind, subject, suffix)
    opens_at = due_at - lead if lead is not None else timezone.now()
    existing = Deadline.objects.select_for_update().filter(key=key).first()
    if existing is not None:
        changed = []
        if existing.is_open and existing.due_at != due_at:
            existing.due_at, existing.opens_at = due_at, min(opens_at, existing.opens_at)
            existing.next_step_at = None  # the ladder is looked at afresh
            changed += ["due_at", "opens_at", "next_step_at"]
        wanted = {"owner_id": owner.pk if owner else None, "team_id": team_id, "case_id": case_id}
        for attname, value in wanted.items():
            if existing.is_open and value is not None and getattr(existing, attname) != value:
                setattr(existing, attname, value)
                changed.append(attname.removesuffix("_id"))
        if changed:
            save_with_history(existing, actor=actor, reason="期限の更新", fields=changed)
        return existing
    deadline = new_deadline(
        kind=kind,
        subject=subject,
        due_at=due_at,
        opens_at=opens_at,
        owner=owner,
        team_id=team_id,
        case_id=case_id,
        child_id=child_id,
        statutory=statutory,
        suffix=suffix,
    )
    try:
        with transaction.atomic():
            save_with_history(deadline, actor=actor, reason="期限の作成")
    except IntegrityError:  # opened at the same moment by another process: the same row
        return Deadline.objects.get(key=key)
    return deadline


def new_deadline(
    *,
    kind: str,
    subject: models.Model,
    due_at: datetime,
    opens_at: datetime,
    owner: User | None,
    team_id: int | None,
    case_id: int | None,
    child_id: int | None,
    statutory: bool = True,
    suffix: str = "",
) -> Deadline:
    """An unsaved deadline row (open_deadline saves one; open_many saves a batch)."""
    label, pk = subject_ref(subject)
    return Deadline(
        kind=kind,
        key=deadline_key(kind, subject, suffix),
        subject_type=label,
        subject_id=pk,
        due_at=due_at,
        opens_at=min(opens_at, due_at),
        owner=owner,
        team_id=team_id,
        case_id=case_id,
        child_id=child_id,
        statutory=statutory,
    )


def open_many(deadlines: list[Deadline]) -> int:
    """Save a batch of new deadlines with their history in a few statements (run_reminders
    opening thousands at once). The caller holds `exclusive_run()`: keys already present are
    skipped, so a batch never duplicates what a service opened meanwhile."""
    keys = [d.key for d in deadlines]
    have = set(Deadline.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [d for d in deadlines if d.key not in have]
    for deadline in fresh:
        check_dates_in_range(deadline)
    if fresh:
        bulk_create_chained(fresh, Deadline, default_change_reason="期限の作成")
    return len(fresh)


def _open_rows(kind: str, subject: models.Model, suffix: str | None):
    label, pk = subject_ref(subject)
    rows = Deadline.objects.select_for_update().filter(
        kind=kind, subject_type=label, subject_id=pk, state=DeadlineState.OPEN
    )
    if suffix is not None:
        rows = rows.filter(key=deadline_key(kind, subject, suffix))
    return list(rows.order_by("pk"))


def meet_deadline(
    *,
    kind: str,
    subject: models.Model,
    evidence: models.Model,
    met_at: datetime,
    label: str,
    actor: User | None,
    suffix: str | None = None,
) -> list[Deadline]:
    """Close the open deadline(s) of this kind for the subject as met by `evidence`, at the time
    the work was done (`met_at`), not when it was typed in."""
    closed = []
    for deadline in _open_rows(kind, subject, suffix):
        deadline.state = DeadlineState.MET
        deadline.met_at = met_at
        deadline.evidence_type, deadline.evidence_id = subject_ref(evidence)
        deadline.evidence_label = label[:200]
        deadline.closed_at, deadline.closed_by = timezone.now(), actor
        save_with_history(
            deadline,
            actor=actor,
            reason="期限の完了",
            fields=[
                "state",
                "met_at",
                "evidence_type",
                "evidence_id",
                "evidence_label",
                "closed_at",
                "closed_by",
            ],
        )
        closed.append(deadline)
    return closed


def lapse_deadline(
    *,
    kind: str,
    subject: models.Model,
    reason: str,
    actor: User | None,
    suffix: str | None = None,
    now: datetime | None = None,
) -> list[Deadline]:
    """The obligation no longer applies (consent given, the stay ended…): dismissed with the
    reason if still in time, recorded as missed if it was already overdue."""
    now = now or timezone.now()
    closed = []
    for deadline in _open_rows(kind, subject, suffix):
        deadline.state = DeadlineState.MISSED if now > deadline.due_at else DeadlineState.DISMISSED
        deadline.reason = reason
        deadline.closed_at, deadline.closed_by = now, actor
        save_with_history(
            deadline,
            actor=actor,
            reason="期限の終了",
            fields=["state", "reason", "closed_at", "closed_by"],
        )
        closed.append(deadline)
    return closed


def reassign_case_deadlines(*, case, owner: User, actor: User) -> None:
    """A transferred case's open deadlines follow its new lead and team."""
    for deadline in Deadline.objects.select_for_update().filter(case=case, state="open"):
        if (deadline.owner_id, deadline.team_id) != (owner.pk, case.team_id):
            deadline.owner, deadline.team_id = owner, case.team_id
            save_with_history(deadline, actor=actor, reason="移管", fields=["owner", "team"])


# --- escalation ------------------------------------------------------------------------------

OWNER, SUPERVISORS, DUTY = "owner", "supervisors", "duty"


@dataclass(frozen=True)
class Step:
    """An escalation step: when (relative to the due time), to whom, repeated how often."""

    name: str
    before_due: timedelta  # the step begins this long before the due time (negative: after)
    audience: frozenset[str]
    repeat: timedelta | None = None
    label: str = ""


def _steps(*items: tuple) -> list[Step]:
    return [
        Step(name, before, frozenset(who), repeat, label)
        for name, before, who, repeat, label in items
    ]


H, D = timedelta(hours=1), timedelta(days=1)
NEVER_BEFORE = timedelta(days=36500)  # "at once": the first step of a new deadline

# Who is told, and when. The first step is sent when the deadline opens; a repeated overdue
# step goes on until someone acknowledges the deadline (or it is closed).
LADDERS: dict[str, list[Step]] = {
    K.SAFETY_CHECK: _steps(
        ("received", NEVER_BEFORE, {OWNER}, None, "受付"),
        ("24h", 24 * H, {OWNER, SUPERVISORS}, None, "残り24時間"),
        ("6h", 6 * H, {OWNER, SUPERVISORS, DUTY}, None, "残り6時間"),
        ("overdue", timedelta(0), {SUPERVISORS, DUTY}, H, "期限超過（1時間ごと）"),
    ),
    K.WARRANT_REQUEST: _steps(
        ("opened", NEVER_BEFORE, {OWNER}, None, "保護開始"),
        ("2d", 2 * D, {OWNER, SUPERVISORS}, None, "残り2日"),
        ("overdue", timedelta(0), {SUPERVISORS, DUTY}, D, "期限超過（毎日）"),
    ),
    K.APPEAL: _steps(
        ("opened", NEVER_BEFORE, {OWNER, SUPERVISORS}, None, "却下"),
        ("overdue", timedelta(0), {SUPERVISORS}, D, "期限超過（毎日）"),
    ),
    K.PROTECTION_LIMIT: _steps(
        ("14d", 14 * D, {OWNER, SUPERVISORS}, None, "残り14日"),
        ("3d", 3 * D, {OWNER, SUPERVISORS}, None, "残り3日"),
        ("overdue", timedelta(0), {SUPERVISORS, DUTY}, D, "期限超過（毎日）"),
    ),
    K.EXTENSION_LIMIT: _steps(
        ("14d", 14 * D, {OWNER, SUPERVISORS}, None, "残り14日"),
        ("3d", 3 * D, {OWNER, SUPERVISORS}, None, "残り3日"),
        ("overdue", timedelta(0), {SUPERVISORS, DUTY}, D, "期限超過（毎日）"),
    ),
    K.HANDBOOK_REJUDGMENT: _steps(
        ("lead", NEVER_BEFORE, {OWNER}, None, "予定のお知らせ"),
        ("30d", 30 * D, {OWNER}, None, "残り30日"),
        ("overdue", timedelta(0), {OWNER, SUPERVISORS}, 7 * D, "期限超過（毎週）"),
    ),
    K.HANDBOOK_REFERRAL: _steps(
        ("lead", NEVER_BEFORE, {OWNER}, None, "予定のお知らせ"),
        ("30d", 30 * D, {OWNER}, None, "残り30日"),
        ("overdue", timedelta(0), {OWNER, SUPERVISORS}, 7 * D, "期限超過（毎週）"),
    ),
    K.FOSTER_RENEWAL: _steps(
        ("lead", NEVER_BEFORE, {OWNER}, None, "予定のお知らせ"),
        ("30d", 30 * D, {OWNER, SUPERVISORS}, None, "残り30日"),
        ("overdue", timedelta(0), {OWNER, SUPERVISORS}, 7 * D, "期限超過（毎週）"),
    ),
    K.NETWORK_REVIEW: _steps(  # 要対協: shown two weeks before the 実務者会議's review falls due
        ("14d", 14 * D, {OWNER}, None, "残り14日"),
        ("overdue", timedelta(0), {OWNER, SUPERVISORS}, 7 * D, "期限超過（毎週）"),
    ),
    # 出頭要求・立入調査… (issue 14 item 3): the supervisor is alerted at each step.
    K.SAFETY_STEP: _steps(
        ("opened", NEVER_BEFORE, {OWNER, SUPERVISORS}, None, "措置の決定"),
        ("overdue", timedelta(0), {SUPERVISORS, DUTY}, D, "期日超過（毎日）"),
    ),
    K.PLAN_APPROVAL: _steps(
        ("requested", NEVER_BEFORE, {SUPERVISORS}, None, "申請"),
        ("overdue", timedelta(0), {SUPERVISORS}, 2 * D, "承認待ちが続いています"),
    ),
    K.CLOSURE_APPROVAL: _steps(
        ("requested", NEVER_BEFORE, {SUPERVISORS}, None, "申請"),
        ("overdue", timedelta(0), {SUPERVISORS}, 2 * D, "承認待ちが続いています"),
    ),
    # 意見聴取 put off at a decision (DOMAIN §11): the owner is told when the decision is
    # recorded; once overdue, the owner and the team's supervisors every day.
    K.VIEWS_AFTERWARDS: _steps(
        ("opened", NEVER_BEFORE, {OWNER}, None, "決定（事後に聴取）"),
        ("overdue", timedelta(0), {OWNER, SUPERVISORS}, D, "期限超過（毎日）"),
    ),
}
LADDERS.setdefault(
    "default", _steps(("overdue", timedelta(0), {OWNER, SUPERVISORS}, D, "期限超過"))
)


def ladder(kind: str) -> list[Step]:
    return LADDERS.get(kind) or LADDERS["default"]


def current_step(deadline: Deadline, now: datetime) -> tuple[Step, int] | None:
    """The latest step that has begun (an earlier one that was never sent is superseded), and
    for a repeated step which repetition it is now."""
    begun = [s for s in ladder(deadline.kind) if now >= deadline.due_at - s.before_due]
    if not begun:
        return None
    step = min(begun, key=lambda s: s.before_due)
    if step.repeat is None:
        return step, 0
    since = now - (deadline.due_at - step.before_due)
    return step, int(since / step.repeat)


def next_change(deadline: Deadline, now: datetime) -> datetime | None:
    """When the ladder next has something to do after `now`: the start of a later step, or the
    next repeat of the current one (None: nothing more, ever)."""
    times = [
        deadline.due_at - s.before_due
        for s in ladder(deadline.kind)
        if deadline.due_at - s.before_due > now
    ]
    found = current_step(deadline, now)
    if found is not None and found[0].repeat is not None:
        step, repetition = found
        times.append(deadline.due_at - step.before_due + (repetition + 1) * step.repeat)
    return min(times) if times else None


def supervisors_of(team_ids: Iterable[int]) -> dict[int, list[int]]:
    """team id -> the ids of its supervisors (active users holding the role)."""
    rows = (
        Membership.objects.supervising()
        .filter(team_id__in=set(team_ids))
        .values_list("team_id", "user_id")
    )
    teams: dict[int, list[int]] = {}
    for team_id, user_id in rows:
        teams.setdefault(team_id, []).append(user_id)
    return teams


def on_duty(now: datetime) -> list[int]:
    return list(
        DutyAssignment.objects.filter(starts_at__lte=now, ends_at__gt=now, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def recipients(deadline: Deadline, step: Step, supervisors: dict, duty: list[int]) -> set[int]:
    people: set[int] = set()
    if OWNER in step.audience:
        if deadline.owner_id:
            people.add(deadline.owner_id)
        else:  # nobody holds it yet (a report not yet accepted): its team's supervisors do
            people.update(supervisors.get(deadline.team_id, []))
    if SUPERVISORS in step.audience:
        people.update(supervisors.get(deadline.team_id, []))
    if DUTY in step.audience:
        people.update(duty)
    return people


def escalate(deadlines: Iterable[Deadline], now: datetime) -> int:
    """Create the notifications of the steps that have begun (each once: unique keys)."""
    batch = list(deadlines)
    supervisors = supervisors_of(d.team_id for d in batch if d.team_id)
    duty = on_duty(now)
    rows = []
    for deadline in batch:
        found = current_step(deadline, now)
        if found is None:
            continue
        step, repetition = found
        if repetition and deadline.acknowledged_at is not None:
            continue  # someone is on it: the repeated reminder stops
        for user_id in recipients(deadline, step, supervisors, duty):
            rows.append(
                Notification(
                    deadline=deadline,
                    recipient_id=user_id,
                    step=step.name,
                    key=f"{deadline.pk}:{step.name}:{repetition}:{user_id}",
                    created_at=now,
                )
            )
    new: list[Notification] = []
    if rows:
        sent = set(
            Notification.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True)
        )
        new = [r for r in rows if r.key not in sent]
        # ignore_conflicts: a second run_reminders racing this one inserts nothing twice.
        Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
    # Until then, the next run passes these deadlines by (bookkeeping, not history).
    for deadline in batch:
        deadline.next_step_at = next_change(deadline, now)
    Deadline.objects.bulk_update(batch, ["next_step_at"], batch_size=1000)
    return len(new)


def send_notification_mail(limit: int = 500) -> int:
    """E-mail the notifications not yet e-mailed, each once even with two senders at once
    (SKIP LOCKED on PostgreSQL; SQLite serialises the writers); the number of mails sent."""
    sent = 0
    while True:
        with transaction.atomic():
            claim = Notification.objects.filter(emailed_at__isnull=True).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                claim = claim.select_for_update(skip_locked=True, of=("self",))
            batch = list(claim.select_related("deadline", "recipient")[:limit])
            if not batch:
                return sent
            messages = []
            for note in batch:
                if note.recipient.email:
                    subject, body = mail_text(note)
                    messages.append(
                        EmailMessage(
                            subject, body, settings.DEFAULT_FROM_EMAIL, [note.recipient.email]
                        )
                    )
            if messages:
                mailers.default.send_messages(messages)
            # Marked whether or not the person has an address: each is tried once.
            Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
                emailed_at=timezone.now()
            )
            sent += len(messages)


def mail_text(note: Notification) -> tuple[str, str]:
    """Subject and body: the kind, the due time and where to look — never a name or a note."""
    from casework.wareki import wareki_safe

    deadline = note.deadline
    due = timezone.localtime(deadline.due_at)
    step = next((s for s in ladder(deadline.kind) if s.name == note.step), None)
    subject = f"【見守り】期限のお知らせ：{deadline.get_kind_display()}"
    if step and step.label:
        subject += f"（{step.label}）"
    lines = [
        f"{deadline.get_kind_display()}の期限が近づいているか、過ぎています。",
        f"期限：{wareki_safe(due)} {due:%H:%M}",
    ]
    if deadline.case_id:
        lines.append(f"ケース：{deadline.case.number}")
    lines += ["", f"見守りの「期限」で確認してください：{reverse('casework:reminders')}"]
    return subject, "\n".join(lines)


# --- the ledger brought up to date -------------------------------------------------------

# Other apps register a function (now) -> {label: count} that opens the deadlines their
# records owe and closes those no longer owed (casework never imports them).
Source = Callable[[datetime], dict[str, int]]
_sources: list[Source] = []


def register_deadline_source(source: Source) -> Source:
    _sources.append(source)
    return source


def sources() -> list[Source]:
    return list(_sources)


def exclusive_run() -> Any:
    """One run_reminders at a time brings the ledger up to date (a second waits, then finds
    nothing left to do): a transaction-scoped advisory lock on PostgreSQL; on SQLite the
    IMMEDIATE transaction already excludes other writers."""

    class _Lock:
        def __enter__(self):
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [20261201])
            return self

        def __exit__(self, *exc):
            return self.atomic.__exit__(*exc)

    return _Lock()


def sync_record_deadlines(
    *,
    kind: str,
    owing: models.QuerySet,
    suffix: Callable[[Any], str],
    open_one: Callable[[Any], None],
    ended: models.QuerySet,
    reason: str,
    now: datetime,
) -> int:
    """run_reminders for a deadline kept per record (a foster home's renewal, a 要対協 entry's
    next review): every record in `owing` that lacks its current deadline (records from before
    the ledger) gets it through `open_one`; the open deadlines of the records in `ended` lapse
    with `reason`. Idempotent; each change in its own exclusive run. Returns how many opened."""
    label = owing.model._meta.label
    rows = Deadline.objects.filter(kind=kind, subject_type=label)
    keys = set(rows.values_list("key", flat=True))
    opened = 0
    for record in owing.iterator(chunk_size=500):
        if deadline_key(kind, record, suffix(record)) in keys:
            continue
        with exclusive_run():
            open_one(record)
        opened += 1
    gone = [str(pk) for pk in ended.values_list("pk", flat=True)]
    stale = rows.filter(state=DeadlineState.OPEN, subject_id__in=gone)
    for pk in list(stale.values_list("subject_id", flat=True)):
        with exclusive_run():
            lapse_deadline(kind=kind, subject=ended.get(pk=pk), reason=reason, actor=None, now=now)
    return opened


def open_escalations(now: datetime, chunk: int = 2000) -> int:
    """Escalate every open deadline that has begun to show and whose ladder has something to
    do (a new deadline, a step begun, a repeat due), streamed in chunks."""
    created = 0
    rows = (
        Deadline.objects.showing(now)
        .filter(Q(next_step_at__isnull=True) | Q(next_step_at__lte=now))
        .order_by("pk")
    )
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last)[:chunk])
        if not batch:
            return created
        created += escalate(batch, now)
        last = batch[-1].pk


# --- plans and closures waiting for a supervisor -----------------------------------------

APPROVAL_DAYS = 7  # a plan or closure waiting this long for a supervisor is overdue (practice)


def approval_spec(case: Case, approval: str) -> dict[str, Any]:
    """What the deadline of a plan or closure waiting for a supervisor is (one per request)."""
    requested_at = getattr(case, f"{approval}_requested_at") or timezone.now()
    kind = DeadlineKind.PLAN_APPROVAL if approval == "plan" else DeadlineKind.CLOSURE_APPROVAL
    return {
        "kind": kind,
        "subject": case,
        "due_at": requested_at + timedelta(days=APPROVAL_DAYS),
        "owner": None,
        "team_id": case.team_id,
        "case_id": case.pk,
        "child_id": case.child_id,
        "statutory": False,
        "suffix": requested_at.strftime("%Y%m%d%H%M%S%f"),
    }


def open_approval_deadline(*, case: Case, approval: str, actor: User | None) -> None:
    """A plan or closure waiting for the team's supervisors (a practical deadline, owned by the
    team's supervisors): one per request."""
    open_deadline(actor=actor, **approval_spec(case, approval))


def approval_decided(case: Case, approval: str, actor: User) -> None:
    kind = DeadlineKind.PLAN_APPROVAL if approval == "plan" else DeadlineKind.CLOSURE_APPROVAL
    state = getattr(case, f"{approval}_state")
    meet_deadline(
        kind=kind,
        subject=case,
        evidence=case,
        met_at=timezone.now(),
        label="承認" if state == "approved" else "差戻し",
        actor=actor,
    )


# --- what people do with a deadline -------------------------------------------------------


@service
def deadline_acknowledge(*, actor: User, deadline: Deadline) -> Deadline:
    """Someone has seen the escalation and is on it: repeated reminders stop."""
    deadline = lock(Deadline.objects.select_related("case"), deadline.pk, actor=actor)
    if not deadline.may("acknowledge"):
        raise PermissionDenied
    if not deadline.is_open:
        raise CaseRuleError("この期限はすでに終了しています。")
    if deadline.acknowledged_at is not None:
        raise CaseRuleError("この期限はすでに確認済みです。")
    deadline.acknowledged_at, deadline.acknowledged_by = timezone.now(), actor
    save_with_history(
        deadline, actor=actor, reason="期限の確認", fields=["acknowledged_at", "acknowledged_by"]
    )
    return deadline


@service
def deadline_dismiss(*, actor: User, deadline: Deadline, reason: str) -> Deadline:
    """A supervisor takes a deadline off the ledger, with the reason (never without one)."""
    deadline = lock(Deadline.objects.select_related("case"), deadline.pk, actor=actor)
    if not deadline.may("dismiss"):
        raise PermissionDenied
    if not deadline.is_open:
        raise CaseRuleError("この期限はすでに終了しています。")
    if not reason.strip():
        raise CaseRuleError("取り下げる理由を入力してください。", "reason")
    deadline.state, deadline.reason = DeadlineState.DISMISSED, reason.strip()
    deadline.closed_at, deadline.closed_by = timezone.now(), actor
    save_with_history(
        deadline,
        actor=actor,
        reason="期限の取下げ",
        fields=["state", "reason", "closed_at", "closed_by"],
    )
    return deadline
