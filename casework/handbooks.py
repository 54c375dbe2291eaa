"""愛の手帳: registering a handbook, judgments, changes of degree, the 18-year referral, notices
to the branch office, and the re-judgment deadlines they owe (DOMAIN §6, §8; issue 11).

Writes follow casework/services.py (durable, the child locked first, only changed fields).
The re-judgment deadline belongs to the worker of the child's open case (its lead), with that
case's team's supervisors as backup.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from casework import rules
from casework.choices import DISTRICT_BRANCH_OFFICE, DeadlineKind, JudgmentReason, NoticeKind
from casework.deadlines import (
    approval_spec,
    end_of_day,
    exclusive_run,
    meet_deadline,
    new_deadline,
    open_deadline,
    open_many,
)
from casework.models import (
    BranchNotice,
    Case,
    Child,
    Deadline,
    Handbook,
    HandbookChange,
    HandbookJudgment,
    HandbookReferral,
    User,
)
from casework.wareki import wareki_safe
from casework.writes import CaseRuleError, lock, lock_child, save_with_history, service

CHANGE_REJUDGMENT_DAYS = 30  # a change of degree: re-judged within this many days


def lead_time() -> timedelta:
    """How long before its due date a re-judgment shows (setting, DOMAIN §6: 90 days)."""
    return timedelta(days=settings.MIMAMORI_HANDBOOK_REMINDER_DAYS)


def next_judgment(birth_date: date, last_judged_on: date) -> tuple[int, date] | None:
    """The next regular re-judgment, a judgment within the lead time counting as done early."""
    return rules.next_handbook_judgment(birth_date, last_judged_on, lead_time().days)


def holder_of(child_id: int) -> tuple[User | None, int | None, int | None]:
    """(owner, team, case) for a child's handbook deadlines: the lead of the newest open case."""
    case = (
        Case.objects.open()
        .filter(child_id=child_id)
        .select_related("lead")
        .order_by("-opened_on", "-pk")
        .first()
    )
    if case is None:
        return None, None, None
    return case.lead, case.team_id, case.pk


def last_judged_on(handbook: Handbook) -> date:
    latest = handbook.judgments.aggregate(m=Max("judged_on"))["m"]
    return max(latest or handbook.issued_on, handbook.issued_on)


def open_regular_deadline(
    handbook: Handbook,
    *,
    actor: User | None,
    now: datetime | None = None,
    last: date | None = None,
    holder: tuple[User | None, int | None, int | None] | None = None,
):
    """The next regular re-judgment (or the 18-year referral), once it is within lead time.
    `last` and `holder` spare the queries when the caller has read them for many handbooks."""
    spec = regular_deadline_spec(handbook, now=now, last=last, holder=holder)
    if spec is None:
        return None
    return open_deadline(actor=actor, lead=lead_time(), **spec)


def regular_deadline_spec(
    handbook: Handbook,
    *,
    now: datetime | None = None,
    last: date | None = None,
    holder: tuple[User | None, int | None, int | None] | None = None,
) -> dict | None:
    """What the handbook's next regular deadline is (kind, due time, owner...), once it is
    within lead time; None before."""
    now = now or timezone.now()
    found = next_judgment(handbook.child.birth_date, last or last_judged_on(handbook))
    if found is None:
        return None
    age, due = found
    due_at = end_of_day(due)
    if due_at - lead_time() > now:
        return None
    owner, team_id, case_id = holder if holder is not None else holder_of(handbook.child_id)
    kind = DeadlineKind.HANDBOOK_REFERRAL if age == 18 else DeadlineKind.HANDBOOK_REJUDGMENT
    return {
        "kind": kind,
        "subject": handbook,
        "due_at": due_at,
        "owner": owner or handbook.created_by,
        "team_id": team_id,
        "case_id": case_id,
        "child_id": handbook.child_id,
        "suffix": f"age{age}",
    }


def _lock_handbook(actor: User, handbook: Handbook) -> Handbook:
    lock_child(handbook.child_id, actor)  # who may change the child may record on the handbook
    return lock(Handbook.objects.select_related("child"), handbook.pk)


@service
def handbook_register(
    *, actor: User, child: Child, number: str, degree: int, issued_on: date
) -> Handbook:
    child = lock_child(child, actor)
    if Handbook.objects.filter(child=child).exists():
        raise CaseRuleError("この児童の愛の手帳はすでに登録されています。")
    if issued_on < child.birth_date or issued_on > timezone.localdate():
        raise CaseRuleError("交付日は生年月日から今日までの日付にしてください。", "issued_on")
    handbook = Handbook(
        child=child, number=number.strip(), degree=degree, issued_on=issued_on, created_by=actor
    )
    save_with_history(handbook, actor=actor, reason="愛の手帳の登録")
    open_regular_deadline(handbook, actor=actor)
    return handbook


@service
def handbook_judge(
    *, actor: User, handbook: Handbook, judged_on: date, degree: int, notes: str = ""
) -> HandbookJudgment:
    """Record a (re-)judgment: it meets the re-judgment that was due, changes the degree, and
    the next one is due at the next age (DOMAIN §6)."""
    handbook = _lock_handbook(actor, handbook)
    child = handbook.child
    if judged_on > timezone.localdate():
        raise CaseRuleError("判定日に未来の日付は入力できません。", "judged_on")
    if judged_on < handbook.issued_on:
        raise CaseRuleError("判定日は手帳の交付日以降の日付にしてください。", "judged_on")
    if rules.age_on(child.birth_date, judged_on) >= rules.CHILD_AGE_LIMIT:
        raise CaseRuleError(
            "18歳以上の判定は東京都心身障害者福祉センターが行います。引継ぎを記録してください。",
            "judged_on",
        )
    since = last_judged_on(handbook)
    changed = handbook.changes.filter(noticed_on__gte=since, noticed_on__lte=judged_on).exists()
    reason = JudgmentReason.CHANGE if changed else JudgmentReason.AGE
    found = next_judgment(child.birth_date, judged_on)
    judgment = HandbookJudgment(
        handbook=handbook,
        judged_on=judged_on,
        degree=degree,
        reason=reason,
        judged_by=actor,
        notes=notes.strip(),
        next_age=found[0] if found else None,
        next_due=found[1] if found else None,
    )
    save_with_history(judgment, actor=actor, reason="愛の手帳の判定")
    if handbook.degree != degree:
        handbook.degree = degree
        save_with_history(handbook, actor=actor, reason="愛の手帳の程度の変更", fields=["degree"])
    met_at = end_of_day(judged_on) - timedelta(seconds=1)
    label = f"判定（{wareki_safe(judged_on, weekday=False)}、{judgment.get_degree_display()}）"
    meet_deadline(
        kind=DeadlineKind.HANDBOOK_REJUDGMENT,
        subject=handbook,
        evidence=judgment,
        met_at=min(met_at, timezone.now()),
        label=label,
        actor=actor,
    )
    open_regular_deadline(handbook, actor=actor)
    return judgment


@service
def handbook_change(
    *, actor: User, handbook: Handbook, noticed_on: date, note: str
) -> HandbookChange:
    """A change of degree noticed between judgments: a re-judgment is due within 30 days."""
    handbook = _lock_handbook(actor, handbook)
    if noticed_on > timezone.localdate() or noticed_on < handbook.issued_on:
        raise CaseRuleError(
            "気付いた日は手帳の交付日から今日までの日付にしてください。", "noticed_on"
        )
    if not note.strip():
        raise CaseRuleError("どのような変化かを入力してください。", "note")
    change = HandbookChange(
        handbook=handbook, noticed_on=noticed_on, note=note.strip(), recorded_by=actor
    )
    save_with_history(change, actor=actor, reason="愛の手帳の程度の変化")
    owner, team_id, case_id = holder_of(handbook.child_id)
    open_deadline(
        kind=DeadlineKind.HANDBOOK_REJUDGMENT,
        subject=handbook,
        due_at=end_of_day(noticed_on + timedelta(days=CHANGE_REJUDGMENT_DAYS)),
        actor=actor,
        owner=owner or actor,
        team_id=team_id,
        case_id=case_id,
        child_id=handbook.child_id,
        suffix=f"change{change.pk}",
    )
    return change


@service
def handbook_refer(*, actor: User, handbook: Handbook, referred_on: date, note: str = ""):
    """At 18 the re-judgment is a referral to 東京都心身障害者福祉センター (DOMAIN §6)."""
    handbook = _lock_handbook(actor, handbook)
    if referred_on > timezone.localdate():
        raise CaseRuleError("引継ぎ日に未来の日付は入力できません。", "referred_on")
    eighteen = rules.birthday_in(handbook.child.birth_date, 18)
    if referred_on < eighteen - lead_time():
        raise CaseRuleError(
            "引継ぎは18歳の誕生日の前後に行います（この児童は"
            f"{wareki_safe(eighteen, weekday=False)}に18歳になります）。",
            "referred_on",
        )
    referral = HandbookReferral(
        handbook=handbook, referred_on=referred_on, note=note.strip(), referred_by=actor
    )
    save_with_history(referral, actor=actor, reason="東京都心身障害者福祉センターへの引継ぎ")
    meet_deadline(
        kind=DeadlineKind.HANDBOOK_REFERRAL,
        subject=handbook,
        evidence=referral,
        met_at=min(end_of_day(referred_on) - timedelta(seconds=1), timezone.now()),
        label=f"引継ぎ（{wareki_safe(referred_on, weekday=False)}）",
        actor=actor,
    )
    return referral


def branch_office_for(child: Child) -> tuple[str, str]:
    """(district, branch office) of the child's town (DOMAIN §8; 台場 → 芝浦港南)."""
    district = child.district
    return district, DISTRICT_BRANCH_OFFICE.get(district, "")


def notify_branch_office(*, actor: User, child: Child, kinds: list[str]) -> list[BranchNotice]:
    """A handbook holder's address or name changed: a notice for the branch office (a step of
    child_update, in its transaction)."""
    if not Handbook.objects.filter(child=child, active=True).exists():
        return []
    district, office = branch_office_for(child)
    if not office:
        return []  # moved out of the ward: no branch office of Minato
    notices = []
    for kind in kinds:
        notice = BranchNotice(
            child=child, kind=kind, district=district, branch_office=office, created_by=actor
        )
        save_with_history(notice, actor=actor, reason="総合支所への通知")
        notices.append(notice)
    return notices


ADDRESS_FIELDS = {"town", "address"}
NAME_FIELDS = {"family_name", "given_name", "family_name_kana", "given_name_kana"}


def notice_kinds(changed: list[str]) -> list[str]:
    kinds = []
    if ADDRESS_FIELDS & set(changed):
        kinds.append(NoticeKind.ADDRESS)
    if NAME_FIELDS & set(changed):
        kinds.append(NoticeKind.NAME)
    return kinds


@service
def branch_notice_sent(*, actor: User, notice: BranchNotice) -> BranchNotice:
    notice = lock(BranchNotice.objects.all(), notice.pk)
    if notice.sent_at is not None:
        raise CaseRuleError("この通知はすでに送付済みです。")
    notice.sent_at, notice.sent_by = timezone.now(), actor
    save_with_history(
        notice, actor=actor, reason="総合支所への通知の送付", fields=["sent_at", "sent_by"]
    )
    return notice


# --- run_reminders ------------------------------------------------------------------------


def sync_handbook_deadlines(now: datetime, chunk: int = 5000) -> dict[str, int]:
    """Open the re-judgments and referrals that have come within lead time, for every active
    handbook, streamed: only the handbooks whose next date is near are loaded whole."""
    opened = 0
    horizon = now + lead_time()
    rows = (
        Handbook.objects.filter(active=True)
        .annotate(last=Max("judgments__judged_on"))
        .values_list("pk", "child__birth_date", "issued_on", "last")
        .order_by("pk")
    )
    existing = set(
        Deadline.objects.filter(
            subject_type=Handbook._meta.label,
            kind__in=[DeadlineKind.HANDBOOK_REJUDGMENT, DeadlineKind.HANDBOOK_REFERRAL],
        ).values_list("key", flat=True)
    )
    due_soon: dict[int, date] = {}
    for pk, birth, issued, last in rows.iterator(chunk_size=chunk):
        last = max(last or issued, issued)
        found = next_judgment(birth, last)
        if found is None or end_of_day(found[1]) > horizon:
            continue
        kind = (
            DeadlineKind.HANDBOOK_REFERRAL if found[0] == 18 else DeadlineKind.HANDBOOK_REJUDGMENT
        )
        if f"{kind}:{Handbook._meta.label}:{pk}:age{found[0]}" not in existing:
            due_soon[pk] = last
    pks = list(due_soon)
    for start in range(0, len(pks), 500):
        part = pks[start : start + 500]
        with exclusive_run():
            handbooks = list(
                Handbook.objects.filter(pk__in=part).select_related("child", "created_by")
            )
            holders = holders_of([h.child_id for h in handbooks])
            batch = []
            for handbook in handbooks:
                holder = holders.get(handbook.child_id, (None, None, None))
                spec = regular_deadline_spec(
                    handbook, now=now, last=due_soon[handbook.pk], holder=holder
                )
                if spec is not None:
                    batch.append(new_deadline(opens_at=spec["due_at"] - lead_time(), **spec))
            opened += open_many(batch)
    return {"愛の手帳": opened}


def holders_of(child_ids: list[int]) -> dict[int, tuple[User | None, int | None, int | None]]:
    """holder_of for many children in one query."""
    found: dict[int, tuple[User | None, int | None, int | None]] = {}
    cases = (
        Case.objects.open()
        .filter(child_id__in=child_ids)
        .select_related("lead")
        .order_by("child_id", "-opened_on", "-pk")
    )
    for case in cases:
        found.setdefault(case.child_id, (case.lead, case.team_id, case.pk))
    return found


APPROVAL_BATCH = 1000


def sync_approval_deadlines(now: datetime) -> dict[str, int]:
    """Plans and closures waiting for a supervisor (requests made before the ledger existed)."""
    have = set(
        Deadline.objects.filter(
            kind__in=[DeadlineKind.PLAN_APPROVAL, DeadlineKind.CLOSURE_APPROVAL],
            state="open",
        ).values_list("kind", "subject_id")
    )
    opened = 0
    waiting = (
        Case.objects.open()
        .filter(Q(plan_state="pending") | Q(closure_state="pending"))
        .only(
            "pk",
            "team_id",
            "child_id",
            "plan_state",
            "plan_requested_at",
            "closure_state",
            "closure_requested_at",
        )
        .order_by("pk")
    )
    last = 0
    while batch := list(waiting.filter(pk__gt=last)[:APPROVAL_BATCH]):
        last = batch[-1].pk
        rows = [
            new_deadline(opens_at=now, **spec)
            for case in batch
            for approval, kind in (
                ("plan", DeadlineKind.PLAN_APPROVAL),
                ("closure", DeadlineKind.CLOSURE_APPROVAL),
            )
            if getattr(case, f"{approval}_state") == "pending" and (kind, str(case.pk)) not in have
            for spec in [approval_spec(case, approval)]
        ]
        if rows:
            with exclusive_run():  # a batch in a few statements (thousands at 100,000 cases)
                opened += open_many(rows)
    return {"承認待ち": opened}
