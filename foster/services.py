"""Writes for the foster programme: applications through the six stages, council sessions,
homes, renewals, placements and visits. Each follows casework/services.py (durable, locked,
re-read, checked, only changed fields saved) and its lock order: case → foster applicant →
foster home → placement → deadline → chain head.

Capacity and one placement per child: confirming a placement locks the home row before it
counts the home's children, so two confirmations for the same home are served one after the
other and the second sees the first; the database constraints (foster/models.py) are the last
line, and a violation becomes the same Japanese message, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import rules
from casework.choices import DeadlineKind, Role, ViewsDecision
from casework.deadlines import (
    end_of_day,
    meet_deadline,
    open_deadline,
    sync_record_deadlines,
)
from casework.hearings import ViewsInput, check_views, record_decision_views
from casework.models import Case, User
from casework.wareki import wareki_safe
from casework.writes import CaseRuleError, case_event, lock, lock_case, save_with_history, service
from foster.choices import (
    PRE_CERTIFICATION_COURSES,
    ApplicantStatus,
    Course,
    FosterType,
    HomeStatus,
    PlacementEnd,
    PlacementState,
    Stage,
    StepOutcome,
)
from foster.models import (
    Applicant,
    ApplicantMember,
    CouncilSession,
    Home,
    HomeSlot,
    HomeVisit,
    Placement,
    Renewal,
    Step,
    StudyVisit,
    Training,
)

RENEWAL_LEAD = timedelta(days=183)  # a renewal shows six months ahead (the homes page too)


class FosterRuleError(CaseRuleError):
    """A refused act, in Japanese; `field` names the form field the message belongs next to."""


def max_capacity(foster_type: str) -> int:
    """The most children a home of this type may take (setting; DOMAIN §5)."""
    return int(settings.MIMAMORI_FOSTER_CAPACITY[foster_type])


def _require_foster(actor: User) -> None:
    if not actor.has_role(Role.FOSTER):
        raise PermissionDenied


def _not_future(day: date, today: date, label: str, field: str) -> None:
    if day > today:
        raise FosterRuleError(f"{label}に未来の日付は入力できません。", field)


def _save(obj, *, actor: User, reason: str, message: str, field: str | None = None) -> None:
    """Save in a savepoint; a constraint violation (a race Python missed) becomes `message`."""
    try:
        with transaction.atomic():
            save_with_history(obj, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise FosterRuleError(message, field) from exc


# --- applications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantData:
    name: str
    name_kana: str
    town: str
    foster_type: str
    heard_from: str
    worker: User
    opened_on: date
    phone: str = ""
    email: str = ""
    address: str = ""


def _check_worker(worker: User) -> None:
    if not worker.has_role(Role.FOSTER):
        raise FosterRuleError("担当者には里親担当の職員を選んでください。", "worker")


def _lock_applicant(actor: User, applicant: Applicant | int) -> Applicant:
    pk = applicant.pk if isinstance(applicant, Applicant) else applicant
    locked = lock(Applicant.objects.select_related("worker"), pk, actor=actor)
    if not locked.may("change"):
        raise PermissionDenied
    return locked


@service
def applicant_create(
    *,
    actor: User,
    data: ApplicantData,
    previous: Applicant | None = None,
    today: date | None = None,
) -> Applicant:
    """A household's application (制度説明 is its first step). After a withdrawal or a decline,
    a new application is a new record linked to the old one, which stays as it was."""
    return _create_applicant(actor=actor, data=data, previous=previous, today=today)


def _create_applicant(
    *, actor: User, data: ApplicantData, previous: Applicant | None, today: date | None
) -> Applicant:
    _require_foster(actor)
    today = today or timezone.localdate()
    _check_worker(data.worker)
    _not_future(data.opened_on, today, "受付日", "opened_on")
    if not data.name.strip():
        raise FosterRuleError("申請者氏名を入力してください。", "name")
    if previous is not None:
        previous = _lock_applicant(actor, previous)
        if not previous.is_closed:
            raise FosterRuleError(
                "辞退・不認定となった申込みだけを、新たな申込みとして再開できます。"
            )
        if Applicant.objects.filter(previous=previous).exists():
            raise FosterRuleError("この申込みはすでに新たな申込みとして再開されています。")
        if previous.closed_on and data.opened_on < previous.closed_on:
            raise FosterRuleError(
                "受付日は以前の申込みの辞退・不認定の日以降にしてください。", "opened_on"
            )
    applicant = Applicant(
        name=data.name.strip(),
        name_kana=data.name_kana.strip(),
        phone=data.phone.strip(),
        email=data.email.strip(),
        address=data.address.strip(),
        town=data.town,
        foster_type=data.foster_type,
        heard_from=data.heard_from,
        worker=data.worker,
        opened_on=data.opened_on,
        previous=previous,
        created_by=actor,
    )
    _save(
        applicant,
        actor=actor,
        reason="里親申込みの受付" if previous is None else "里親申込みの再開",
        message="この申込みはすでに新たな申込みとして再開されています。",
    )
    return applicant


@service
def applicant_reopen(
    *, actor: User, previous: Applicant, opened_on: date, today: date | None = None
) -> Applicant:
    """A new application from a household whose earlier one was withdrawn or declined: the same
    household, linked to the old record, starting again from the first stage."""
    _require_foster(actor)
    source = Applicant.objects.get(pk=previous.pk)
    data = ApplicantData(
        name=source.name,
        name_kana=source.name_kana,
        phone=source.phone,
        email=source.email,
        address=source.address,
        town=source.town,
        foster_type=source.foster_type,
        heard_from=source.heard_from,
        worker=source.worker if source.worker.has_role(Role.FOSTER) else actor,
        opened_on=opened_on,
    )
    return _create_applicant(actor=actor, data=data, previous=previous, today=today)


@service
def member_add(
    *,
    actor: User,
    applicant: Applicant,
    name: str,
    relationship: str,
    birth_year: int | None = None,
) -> ApplicantMember:
    applicant = _lock_applicant(actor, applicant)
    if not name.strip():
        raise FosterRuleError("氏名を入力してください。", "name")
    member = ApplicantMember(
        applicant=applicant,
        name=name.strip(),
        relationship=relationship.strip(),
        birth_year=birth_year,
    )
    save_with_history(member, actor=actor, reason="世帯員の追加")
    return member


@service
def training_record(
    *,
    actor: User,
    applicant: Applicant,
    course: str,
    attended_on: date,
    notes: str = "",
    today: date | None = None,
) -> Training:
    """Attendance at a course: the pre-certification courses during an application, 更新研修
    once the household is a registered home."""
    today = today or timezone.localdate()
    applicant = _lock_applicant(actor, applicant)
    _not_future(attended_on, today, "受講修了日", "attended_on")
    if course == Course.RENEWAL:
        home = Home.objects.filter(applicant=applicant, status=HomeStatus.ACTIVE).first()
        if home is None:
            raise FosterRuleError("更新研修は登録中の里親家庭について記録します。", "course")
        if attended_on < home.registered_on:
            raise FosterRuleError("受講修了日は登録日以降にしてください。", "attended_on")
    else:
        if not applicant.is_active:
            raise FosterRuleError("認定前研修は手続き中の申込みについて記録します。", "course")
        if attended_on < applicant.opened_on:
            raise FosterRuleError("受講修了日は受付日以降にしてください。", "attended_on")
    training = Training(
        applicant=applicant,
        course=course,
        attended_on=attended_on,
        notes=notes.strip(),
        recorded_by=actor,
    )
    save_with_history(training, actor=actor, reason="研修の受講の記録")
    return training


@service
def study_visit_add(
    *,
    actor: User,
    applicant: Applicant,
    visited_on: date,
    findings: str,
    today: date | None = None,
) -> StudyVisit:
    """A home-study visit (家庭調査) and its findings."""
    today = today or timezone.localdate()
    applicant = _lock_applicant(actor, applicant)
    if not applicant.is_active:
        raise FosterRuleError("家庭調査は手続き中の申込みについて記録します。")
    _not_future(visited_on, today, "訪問日", "visited_on")
    if visited_on < applicant.opened_on:
        raise FosterRuleError("訪問日は受付日以降にしてください。", "visited_on")
    if not findings.strip():
        raise FosterRuleError("所見を入力してください。", "findings")
    visit = StudyVisit(
        applicant=applicant, visited_on=visited_on, worker=actor, findings=findings.strip()
    )
    save_with_history(visit, actor=actor, reason="家庭調査の訪問の記録")
    return visit


@service
def council_session_create(*, actor: User, held_on: date, title: str) -> CouncilSession:
    """A session of the child welfare council; the applicants it deliberated join it at stage 5."""
    _require_foster(actor)
    if not title.strip():
        raise FosterRuleError("会議名を入力してください。", "title")
    session = CouncilSession(held_on=held_on, title=title.strip(), created_by=actor)
    save_with_history(session, actor=actor, reason="児童福祉審議会の登録")
    return session


def _stage_label(stage: int) -> str:
    return str(Stage(stage).label)


def _check_order(applicant: Applicant, stage: int) -> None:
    """Strictly in order: only the next stage may be recorded (DOMAIN §5)."""
    if not applicant.is_active:
        raise FosterRuleError(
            f"この申込みは「{applicant.get_status_display()}」のため、段階を記録できません。"
        )
    expected = applicant.stage + 1
    if stage < expected:
        raise FosterRuleError(f"「{_stage_label(stage)}」はすでに記録されています。", "stage")
    if stage > expected:
        raise FosterRuleError(
            f"段階を飛ばすことはできません。「{_stage_label(expected)}」を記録してから"
            f"「{_stage_label(stage)}」に進んでください。",
            "stage",
        )


def _check_prerequisites(applicant: Applicant, stage: int, done_on: date) -> None:
    if stage == Stage.TRAINING:
        attended = set(
            applicant.trainings.filter(
                course__in=PRE_CERTIFICATION_COURSES, attended_on__lte=done_on
            ).values_list("course", flat=True)
        )
        if attended != set(PRE_CERTIFICATION_COURSES):
            raise FosterRuleError(
                "認定前研修（基礎研修と登録前研修）の受講をそれぞれ記録してから、"
                "この段階を記録してください。",
                "stage",
            )
    if (
        stage == Stage.HOME_STUDY
        and not applicant.study_visits.filter(visited_on__lte=done_on).exists()
    ):
        raise FosterRuleError(
            "家庭調査の訪問（日付と所見）を記録してから、この段階を記録してください。", "stage"
        )


@service
def step_record(
    *,
    actor: User,
    applicant: Applicant,
    stage: int,
    done_on: date | None = None,
    outcome: str = StepOutcome.COMPLETED,
    notes: str = "",
    session: CouncilSession | None = None,
    capacity: int | None = None,
    today: date | None = None,
) -> Step:
    """Record the next stage. At 児童福祉審議会 the session decides (not approved: the
    application is declined, and stays); at 認定・登録 the household becomes a home."""
    today = today or timezone.localdate()
    applicant = _lock_applicant(actor, applicant)
    _check_order(applicant, stage)
    if stage == Stage.COUNCIL:
        if session is None:
            raise FosterRuleError("審議した児童福祉審議会を選んでください。", "session")
        done_on = session.held_on
        if outcome not in (StepOutcome.APPROVED, StepOutcome.NOT_APPROVED):
            raise FosterRuleError("審議の結果（認定適当・認定不適当）を選んでください。", "outcome")
        if outcome == StepOutcome.NOT_APPROVED and not notes.strip():
            raise FosterRuleError("認定不適当の理由を記録に入力してください。", "notes")
    else:
        session = None
        if outcome != StepOutcome.COMPLETED:
            raise FosterRuleError("この段階の結果は「完了」です。", "outcome")
    if done_on is None:
        raise FosterRuleError("実施日を入力してください。", "done_on")
    _not_future(done_on, today, "実施日", "done_on")
    last = applicant.steps.order_by("-stage").first()
    floor = last.done_on if last else applicant.opened_on
    if done_on < floor:
        what = "前の段階の実施日" if last else "受付日"
        field = "session" if stage == Stage.COUNCIL else "done_on"
        raise FosterRuleError(f"実施日は{what}（{wareki_safe(floor)}）以降にしてください。", field)
    _check_prerequisites(applicant, stage, done_on)
    step = Step(
        applicant=applicant,
        stage=stage,
        done_on=done_on,
        worker=actor,
        outcome=outcome,
        notes=notes.strip(),
        session=session,
        recorded_by=actor,
    )
    _save(
        step, actor=actor, reason="認定の段階の記録", message="この段階はすでに記録されています。"
    )
    applicant.stage = stage
    fields = ["stage"]
    if outcome == StepOutcome.NOT_APPROVED:
        applicant.status, applicant.closed_on = ApplicantStatus.DECLINED, done_on
        applicant.closed_at_stage, applicant.closed_reason = stage, notes.strip()
        fields += ["status", "closed_on", "closed_at_stage", "closed_reason"]
    if stage == Stage.CERTIFICATION:
        applicant.status = ApplicantStatus.CERTIFIED
        fields.append("status")
    save_with_history(applicant, actor=actor, reason="認定の段階の記録", fields=fields)
    if stage == Stage.CERTIFICATION:
        _certify(actor=actor, applicant=applicant, registered_on=done_on, capacity=capacity)
    return step


def _certify(
    *, actor: User, applicant: Applicant, registered_on: date, capacity: int | None
) -> Home:
    most = max_capacity(applicant.foster_type)
    capacity = most if capacity is None else capacity
    if not 1 <= capacity <= most:
        raise FosterRuleError(
            f"{FosterType(applicant.foster_type).label}の受託人数は1〜{most}人です。", "capacity"
        )
    home = Home(
        applicant=applicant,
        name=applicant.name,
        phone=applicant.phone,
        town=applicant.town,
        foster_type=applicant.foster_type,
        capacity=capacity,
        registered_on=registered_on,
        expires_on=rules.foster_registration_expiry(registered_on, applicant.foster_type),
        worker=applicant.worker,
    )
    save_with_history(home, actor=actor, reason="里親の認定・登録")
    for number in range(1, capacity + 1):
        save_with_history(HomeSlot(home=home, number=number), actor=actor, reason="受託枠の設定")
    open_renewal_deadline(home, actor=actor)
    return home


@service
def applicant_close(
    *,
    actor: User,
    applicant: Applicant,
    status: str,
    closed_on: date,
    reason: str,
    today: date | None = None,
) -> Applicant:
    """Withdrawal (辞退) or decline (見送り) at any stage, with a reason; the record stays."""
    today = today or timezone.localdate()
    applicant = _lock_applicant(actor, applicant)
    if status not in (ApplicantStatus.WITHDRAWN, ApplicantStatus.DECLINED):
        raise FosterRuleError("辞退か不認定（見送り）かを選んでください。", "status")
    if not applicant.is_active:
        raise FosterRuleError(
            f"この申込みは「{applicant.get_status_display()}」です。手続き中の申込みだけを"
            "辞退・不認定にできます。"
        )
    if not reason.strip():
        raise FosterRuleError("理由を入力してください。", "reason")
    _not_future(closed_on, today, "辞退・不認定の日", "closed_on")
    if closed_on < applicant.opened_on:
        raise FosterRuleError("辞退・不認定の日は受付日以降にしてください。", "closed_on")
    applicant.status, applicant.closed_on = status, closed_on
    applicant.closed_at_stage = applicant.stage + 1
    applicant.closed_reason = reason.strip()
    save_with_history(
        applicant,
        actor=actor,
        reason="里親申込みの辞退" if status == ApplicantStatus.WITHDRAWN else "里親申込みの不認定",
        fields=["status", "closed_on", "closed_at_stage", "closed_reason"],
    )
    return applicant


# --- homes ------------------------------------------------------------------------------------


def _lock_home(actor: User, home: Home | int) -> Home:
    pk = home.pk if isinstance(home, Home) else home
    return lock(Home.objects.select_related("worker", "applicant"), pk, actor=actor)


def _changeable_home(actor: User, home: Home | int) -> Home:
    locked = _lock_home(actor, home)
    if not locked.may("change"):
        raise PermissionDenied
    if locked.status != HomeStatus.ACTIVE:
        raise FosterRuleError("登録が終了した里親家庭です。")
    return locked


def renewal_key(home: Home) -> str:
    return home.expires_on.isoformat() if home.expires_on else ""


def open_renewal_deadline(home: Home, *, actor: User | None):
    """The renewal of a registration that expires: due on its last valid day, owned by the
    home's responsible worker, showing six months ahead."""
    if home.expires_on is None or home.status != HomeStatus.ACTIVE:
        return None
    return open_deadline(
        kind=DeadlineKind.FOSTER_RENEWAL,
        subject=home,
        due_at=end_of_day(home.expires_on),
        actor=actor,
        owner=home.worker,
        lead=RENEWAL_LEAD,
        suffix=renewal_key(home),
    )


@service
def home_set_capacity(*, actor: User, home: Home, capacity: int) -> Home:
    """Change how many children the home may take, within its type's maximum and never below
    the children placed now. The places follow: free ones are closed from the highest."""
    home = _changeable_home(actor, home)
    most = max_capacity(home.foster_type)
    if not 1 <= capacity <= most:
        raise FosterRuleError(
            f"{FosterType(home.foster_type).label}の受託人数は1〜{most}人です。", "capacity"
        )
    slots = list(HomeSlot.objects.select_for_update().filter(home=home).order_by("number"))
    taken = set(Placement.objects.current().filter(home=home).values_list("slot_id", flat=True))
    if len(taken) > capacity:
        raise FosterRuleError(
            f"現在 {len(taken)} 名が委託中のため、受託人数を {capacity} 人にはできません。",
            "capacity",
        )
    active = [s for s in slots if s.active]
    if len(active) > capacity:
        for slot in sorted((s for s in active if s.pk not in taken), key=lambda s: -s.number)[
            : len(active) - capacity
        ]:
            slot.active = False
            save_with_history(slot, actor=actor, reason="受託枠の変更", fields=["active"])
    elif len(active) < capacity:
        wanted = capacity - len(active)
        for slot in [s for s in slots if not s.active][:wanted]:
            slot.active = True
            save_with_history(slot, actor=actor, reason="受託枠の変更", fields=["active"])
            wanted -= 1
        used = {s.number for s in slots}
        for number in [n for n in range(1, 7) if n not in used][:wanted]:
            save_with_history(
                HomeSlot(home=home, number=number), actor=actor, reason="受託枠の設定"
            )
    if home.capacity != capacity:
        home.capacity = capacity
        save_with_history(home, actor=actor, reason="受託人数の変更", fields=["capacity"])
    return home


@service
def home_renew(*, actor: User, home: Home, renewed_on: date, today: date | None = None) -> Renewal:
    """Renew a registration after 更新研修: the new period runs from the day after the old
    last valid day (DOMAIN §5). An expired registration is not renewed (a new application)."""
    today = today or timezone.localdate()
    home = _changeable_home(actor, home)
    if home.expires_on is None:
        raise FosterRuleError("親族里親の登録には有効期間がないため、更新はありません。")
    _not_future(renewed_on, today, "更新日", "renewed_on")
    if home.expires_on < renewed_on or home.expires_on < today:
        raise FosterRuleError(
            f"登録の有効期間が過ぎています（末日 {wareki_safe(home.expires_on)}）。"
            "更新はできません。新たな申込みとして手続きしてください。",
            "renewed_on",
        )
    last = home.renewals.order_by("-renewed_on").first()
    since = last.renewed_on if last else home.registered_on
    if renewed_on < since:
        raise FosterRuleError(
            f"更新日は前回の登録・更新の日（{wareki_safe(since)}）以降にしてください。",
            "renewed_on",
        )
    used = home.renewals.values_list("training_id", flat=True)
    training = (
        Training.objects.filter(
            applicant_id=home.applicant_id,
            course=Course.RENEWAL,
            attended_on__gte=since,
            attended_on__lte=renewed_on,
        )
        .exclude(pk__in=list(used))
        .order_by("-attended_on")
        .first()
    )
    if training is None:
        raise FosterRuleError(
            "今回の登録期間中の更新研修の受講を記録してから、更新してください。", "renewed_on"
        )
    previous = home.expires_on
    renewal = Renewal(
        home=home,
        renewed_on=renewed_on,
        previous_expiry=previous,
        new_expiry=rules.foster_renewal_expiry(previous, home.foster_type),
        training=training,
        recorded_by=actor,
    )
    save_with_history(renewal, actor=actor, reason="里親登録の更新")
    meet_deadline(
        kind=DeadlineKind.FOSTER_RENEWAL,
        subject=home,
        evidence=renewal,
        met_at=min(timezone.now(), end_of_day(renewed_on) - timedelta(seconds=1)),
        label=f"更新（新しい末日 {renewal.new_expiry}）",
        actor=actor,
    )
    home.expires_on = renewal.new_expiry
    save_with_history(home, actor=actor, reason="里親登録の更新", fields=["expires_on"])
    open_renewal_deadline(home, actor=actor)
    return renewal


@service
def home_visit_add(
    *,
    actor: User,
    home: Home,
    visited_on: date,
    seen: str,
    findings: str,
    today: date | None = None,
) -> HomeVisit:
    """Support after placement: a visit to the home."""
    today = today or timezone.localdate()
    home = _lock_home(actor, home)
    if not home.may("change"):
        raise PermissionDenied
    _not_future(visited_on, today, "訪問日", "visited_on")
    if visited_on < home.registered_on:
        raise FosterRuleError("訪問日は登録日以降にしてください。", "visited_on")
    if not seen.strip():
        raise FosterRuleError("面会した人を入力してください。", "seen")
    if not findings.strip():
        raise FosterRuleError("所見を入力してください。", "findings")
    visit = HomeVisit(
        home=home, visited_on=visited_on, worker=actor, seen=seen.strip(), findings=findings.strip()
    )
    save_with_history(visit, actor=actor, reason="里親家庭への訪問の記録")
    return visit


# --- placements (委託) -------------------------------------------------------------------------

FULL = "定員に達しています（委託中 {taken}/{capacity} 名）。この里親家庭には委託できません。"
ALREADY_PLACED = "この児童はすでに里親に委託されています。"
ALREADY_PROPOSED = "この児童には確認待ちの委託の提案がすでにあります。"
CHILD_CONSTRAINTS = {
    "placement_one_active_per_child": ALREADY_PLACED,
    "placement_one_proposal_per_child": ALREADY_PROPOSED,
}


def _save_placement(placement: Placement, *, actor: User, reason: str, fields=None) -> None:
    """A constraint the race got past Python: the child's (one placement) or the home's (full)."""
    try:
        with transaction.atomic():
            save_with_history(placement, actor=actor, reason=reason, fields=fields)
    except IntegrityError as exc:
        for name, message in CHILD_CONSTRAINTS.items():
            if name in str(exc):
                raise FosterRuleError(message) from exc
        raise FosterRuleError(
            "定員に達しています。同時に別の委託が確認されました。里親家庭の状況を確認してください。"
        ) from exc


def _expired_message(home: Home) -> str:
    return (
        f"{home.name} は登録の有効期間が過ぎています（末日 {wareki_safe(home.expires_on)}）。"
        "新たな委託はできません。"
    )


def free_places(home: Home) -> int:
    taken = Placement.objects.current().filter(home=home).count()
    return max(home.capacity - taken, 0)


@service
def placement_propose(
    *,
    actor: User,
    case: Case,
    home: Home,
    planned_start: date,
    planned_end: date | None = None,
    needs: str = "",
    views: ViewsInput | None = None,
    today: date | None = None,
) -> Placement:
    """The case's worker or supervisor proposes a home for the child; foster staff confirm.
    The proposal is the centre's 里親委託 decision (decided today): the child's views heard
    before it, or why not (`views`, 33条の3の3), are recorded with it or it is refused."""
    today = today or timezone.localdate()
    case = lock_case(case, actor)
    if not case.may("change"):
        raise PermissionDenied
    if case.is_closed:
        raise FosterRuleError("終結したケースでは委託を提案できません。")
    home = Home.objects.get(pk=home.pk)
    if planned_start < case.opened_on:
        raise FosterRuleError("委託開始予定日は受理日以降にしてください。", "planned_start")
    if planned_end is not None and planned_end < planned_start:
        raise FosterRuleError("委託終了予定日は開始予定日以降にしてください。", "planned_end")
    if not home.takes_placements(max(planned_start, today)):
        raise FosterRuleError(_expired_message(home), "home")
    if free_places(home) == 0:
        raise FosterRuleError(FULL.format(taken=home.capacity, capacity=home.capacity), "home")
    if Placement.objects.current().filter(child_id=case.child_id).exists():
        raise FosterRuleError(ALREADY_PLACED)
    if Placement.objects.proposed().filter(child_id=case.child_id).exists():
        raise FosterRuleError(ALREADY_PROPOSED)
    check_views(views, decided_on=today, today=today)
    placement = Placement(
        child_id=case.child_id,
        case=case,
        home=home,
        needs=needs.strip(),
        planned_start=planned_start,
        planned_end=planned_end,
        proposed_by=actor,
    )
    _save_placement(placement, actor=actor, reason="里親委託の提案")
    record_decision_views(
        actor=actor,
        case=case,
        decision_kind=ViewsDecision.FOSTER,
        decided_on=today,
        subject=placement,
        views=views,  # type: ignore[arg-type]  (checked above)
    )
    case_event(
        case=case,
        actor=actor,
        kind="placement_proposed",
        params={"planned_start": planned_start.isoformat()},
        secret={"home": home.name},
    )
    return placement


def _locked_placement(actor: User, placement: Placement | int) -> tuple[Placement, Home]:
    """Lock order: case → home → placement (the home first of the two, so that counting its
    children waits for any other confirmation into it)."""
    pk = placement.pk if isinstance(placement, Placement) else placement
    row = Placement.objects.values("case_id", "home_id").get(pk=pk)
    lock_case(row["case_id"], actor)
    home = _lock_home(actor, row["home_id"])
    locked = lock(Placement.objects.select_related("case", "child", "home"), pk, actor=actor)
    return locked, home


@service
def placement_confirm(
    *, actor: User, placement: Placement, started_on: date, today: date | None = None
) -> Placement:
    """Foster staff confirm a proposal: the child takes a free place in the home. Refused in
    Japanese when the home is full or expired, or the child is already placed."""
    today = today or timezone.localdate()
    placement, home = _locked_placement(actor, placement)
    if not placement.may("confirm"):
        raise PermissionDenied
    if not placement.is_proposed:
        raise FosterRuleError("この提案はすでに確認済みか、取り下げられています。")
    if placement.case.is_closed:
        raise FosterRuleError("終結したケースの児童は委託できません。")
    _not_future(started_on, today, "委託開始日", "started_on")
    if started_on < placement.case.opened_on:
        raise FosterRuleError("委託開始日はケースの受理日以降にしてください。", "started_on")
    if not home.takes_placements(started_on) or home.is_expired(today):
        raise FosterRuleError(_expired_message(home), "started_on")
    if Placement.objects.current().filter(child_id=placement.child_id).exists():
        raise FosterRuleError(ALREADY_PLACED)
    if Placement.objects.filter(child_id=placement.child_id, ended_on__gt=started_on).exists():
        raise FosterRuleError("この日付は以前の委託の期間と重なります。", "started_on")
    slots = list(HomeSlot.objects.filter(home=home, active=True).order_by("number"))
    taken = set(Placement.objects.current().filter(home=home).values_list("slot_id", flat=True))
    free = [s for s in slots if s.pk not in taken]
    if not free:
        raise FosterRuleError(FULL.format(taken=len(taken), capacity=home.capacity))
    placement.state, placement.slot = PlacementState.ACTIVE, free[0]
    placement.started_on, placement.confirmed_by = started_on, actor
    _save_placement(
        placement,
        actor=actor,
        reason="里親委託の開始",
        fields=["state", "slot", "started_on", "confirmed_by"],
    )
    case_event(
        case=placement.case,
        actor=actor,
        kind="placement_started",
        params={"started_on": started_on.isoformat()},
        secret={"home": home.name},
    )
    return placement


@service
def placement_withdraw(*, actor: User, placement: Placement, reason: str) -> Placement:
    """A proposal not carried out (withdrawn by the case, or not accepted by the foster team)."""
    placement, _home = _locked_placement(actor, placement)
    if not placement.may("withdraw"):
        raise PermissionDenied
    if not placement.is_proposed:
        raise FosterRuleError("確認待ちの提案ではありません。")
    if not reason.strip():
        raise FosterRuleError("取下げの理由を入力してください。", "reason")
    placement.state, placement.end_reason = PlacementState.WITHDRAWN, reason.strip()
    save_with_history(
        placement, actor=actor, reason="里親委託の提案の取下げ", fields=["state", "end_reason"]
    )
    case_event(
        case=placement.case,
        actor=actor,
        kind="placement_withdrawn",
        params={"planned_start": placement.planned_start.isoformat()},
        secret={"reason": reason.strip()},
    )
    return placement


@service
def placement_end(
    *,
    actor: User,
    placement: Placement,
    ended_on: date,
    end_kind: str,
    reason: str,
    views: ViewsInput | None = None,
    today: date | None = None,
) -> Placement:
    """The end of a placement, with its reason (the 措置の解除, decided on `ended_on`: the
    child's views heard before it, or why not, are recorded with it or it is refused). A 親族里親
    registration ends with it."""
    today = today or timezone.localdate()
    placement, home = _locked_placement(actor, placement)
    if not placement.may("end"):
        raise PermissionDenied
    if not placement.is_active:
        raise FosterRuleError("委託中ではありません。")
    _not_future(ended_on, today, "委託終了日", "ended_on")
    if ended_on < placement.started_on:
        raise FosterRuleError("委託終了日は委託開始日以降にしてください。", "ended_on")
    if end_kind not in PlacementEnd.values:
        raise FosterRuleError("終了の区分を選んでください。", "end_kind")
    if not reason.strip():
        raise FosterRuleError("終了の理由を入力してください。", "reason")
    check_views(views, decided_on=ended_on, today=today)
    placement.state, placement.ended_on = PlacementState.ENDED, ended_on
    placement.end_kind, placement.end_reason = end_kind, reason.strip()
    save_with_history(
        placement,
        actor=actor,
        reason="里親委託の終了",
        fields=["state", "ended_on", "end_kind", "end_reason"],
    )
    record_decision_views(
        actor=actor,
        case=placement.case,
        decision_kind=ViewsDecision.END,
        decided_on=ended_on,
        subject=placement,
        views=views,  # type: ignore[arg-type]  (checked above)
    )
    case_event(
        case=placement.case,
        actor=actor,
        kind="placement_ended",
        params={
            "ended_on": ended_on.isoformat(),
            "end_kind": str(placement.get_end_kind_display()),
        },
        secret={"home": home.name, "reason": reason.strip()},
    )
    if (
        home.foster_type == FosterType.KINSHIP
        and not Placement.objects.current().filter(home=home).exists()
    ):
        home.status, home.ended_on = HomeStatus.ENDED, ended_on
        save_with_history(
            home, actor=actor, reason="親族里親の登録終了", fields=["status", "ended_on"]
        )
    return placement


# --- the ledger --------------------------------------------------------------------------------


def sync_foster_deadlines(now: datetime) -> dict[str, int]:
    """run_reminders: every registered home whose registration expires owes its renewal (homes
    from before the ledger get theirs); ended homes' renewals are closed."""
    opened = sync_record_deadlines(
        kind=DeadlineKind.FOSTER_RENEWAL,
        owing=Home.objects.active().filter(expires_on__isnull=False).select_related("worker"),
        suffix=renewal_key,
        open_one=lambda home: open_renewal_deadline(home, actor=None),
        ended=Home.objects.filter(status=HomeStatus.ENDED),
        reason="登録終了",
        now=now,
    )
    return {"里親登録": opened}
