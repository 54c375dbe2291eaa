"""Foster parents (里親): applicant households through the six stages, council sessions, certified
homes with their places, renewals, placements (委託) and visits (DOMAIN §5; issue 10).

The invariants live in the database, not only in Python (as the shelter's beds do):
- never more children than a home's capacity: a home's capacity is its number of active places
  (`HomeSlot`); an active placement must hold a place (`placement_active_has_slot`) and a place
  holds one active placement (`placement_one_active_per_slot`);
- one child in one placement at a time: `placement_one_active_per_child`, and one open proposal
  per child: `placement_one_proposal_per_child`;
- one record per stage per application: `step_one_per_stage`.
The services (foster/services.py) lock the home before they count, so a race ends in a Japanese
message, and the constraints catch whatever Python missed.

Who sees what (issue 10 §4): foster staff and supervisors see applicants and homes (foster staff
change them); a case's workers see the placements of the cases they may open — the home's name
and contact through the placement, never the applicant's file; foster staff see the placements,
with the child's name, age and the needs written for the placement, never case notes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework import rules
from casework.choices import TOWN_CHOICES, Role
from casework.fields import EncryptedCharField, EncryptedTextField, RowBound
from casework.models import Case
from casework.models.scoping import NEVER, Scoped, ScopedQuerySet, any_of
from foster.choices import (
    ApplicantStatus,
    Course,
    FosterType,
    HeardFrom,
    HomeStatus,
    PlacementEnd,
    PlacementState,
    Stage,
    StepOutcome,
)

STAFF = settings.AUTH_USER_MODEL
READERS = (Role.FOSTER, Role.SUPERVISOR)  # foster staff change; supervisors read


def everything() -> Q:
    return Q(pk__isnull=False)


class FosterQuerySet(ScopedQuerySet):
    """view: foster staff and supervisors (the programme serves the whole centre). change:
    foster staff."""

    actions = ("view", "change")

    def rule(self, user, action: str) -> Q:
        if action == "view":
            return everything() if user.has_role(*READERS) else NEVER
        return everything() if user.has_role(Role.FOSTER) else NEVER


class ApplicantQuerySet(FosterQuerySet):
    def for_list(self) -> ApplicantQuerySet:
        return self.select_related("worker")


class Applicant(Scoped, RowBound, models.Model):
    """An applicant household's application; a new application after a withdrawal or a decline
    is a new record linked to the old one (`previous`): the old record stays as it was."""

    name = EncryptedCharField(_("申請者氏名"), max_length=80)
    name_kana = EncryptedCharField(_("ふりがな"), max_length=120)
    phone = EncryptedCharField(_("電話番号"), max_length=40, blank=True)
    email = EncryptedCharField(_("メールアドレス"), max_length=120, blank=True)
    address = EncryptedCharField(_("住所（番地以下）"), max_length=200, blank=True)
    town = models.CharField(_("町名"), max_length=20, choices=TOWN_CHOICES)
    foster_type = models.CharField(
        _("希望する里親の種類"), max_length=12, choices=FosterType.choices
    )
    heard_from = models.CharField(
        _("制度を知ったきっかけ"), max_length=20, choices=HeardFrom.choices
    )
    worker = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="foster_applicants", verbose_name=_("担当者")
    )
    opened_on = models.DateField(_("受付日"))
    stage = models.PositiveSmallIntegerField(_("完了した段階"), default=0)
    status = models.CharField(
        _("状態"), max_length=10, choices=ApplicantStatus.choices, default=ApplicantStatus.ACTIVE
    )
    closed_on = models.DateField(_("辞退・不認定の日"), null=True, blank=True)
    closed_at_stage = models.PositiveSmallIntegerField(
        _("辞退・不認定の段階"), null=True, blank=True
    )
    closed_reason = EncryptedTextField(_("辞退・不認定の理由"), blank=True)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reopened_as",
        verbose_name=_("以前の申込み"),
    )
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    history = HistoricalRecords()

    objects = ApplicantQuerySet.as_manager()

    class Meta:
        verbose_name = _("里親申込者")
        verbose_name_plural = _("里親申込者")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__gte=0, stage__lte=6), name="applicant_stage_in_range"
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicantStatus.CERTIFIED) | Q(stage=6),
                name="applicant_certified_at_last_stage",
            ),
        ]
        indexes = [models.Index(fields=["status", "stage"], name="applicant_status_stage")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == ApplicantStatus.ACTIVE

    @property
    def is_closed(self) -> bool:
        return self.status in (ApplicantStatus.WITHDRAWN, ApplicantStatus.DECLINED)

    @property
    def next_stage(self) -> Stage | None:
        """The one step that may be recorded next (stages are strictly in order)."""
        if not self.is_active or self.stage >= Stage.CERTIFICATION:
            return None
        return Stage(self.stage + 1)

    @property
    def district(self) -> str:
        return rules.district_for_town(self.town)


class ApplicantMember(RowBound, models.Model):
    """A member of the applicant household (spouse, children, others living with them)."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="members")
    name = EncryptedCharField(_("氏名"), max_length=80)
    relationship = models.CharField(_("続柄"), max_length=20)
    birth_year = models.PositiveSmallIntegerField(_("生年（西暦）"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("申込者の世帯員")
        verbose_name_plural = _("申込者の世帯員")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True)
                | Q(birth_year__gte=1873, birth_year__lte=2100),
                name="applicantmember_birth_year_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.relationship} {self.name}"


class CouncilSession(models.Model):
    """A session of the ward's child welfare council (児童福祉審議会) and the applicants it
    deliberated (their stage-5 steps point to it)."""

    held_on = models.DateField(_("開催日"))
    title = models.CharField(_("会議名"), max_length=80)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("児童福祉審議会")
        verbose_name_plural = _("児童福祉審議会")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title}（{self.held_on}）"


class Step(RowBound, models.Model):
    """A completed stage of an application: date, worker, outcome and notes."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="steps")
    stage = models.PositiveSmallIntegerField(_("段階"), choices=Stage.choices)
    done_on = models.DateField(_("実施日"))
    worker = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当者")
    )
    outcome = models.CharField(_("結果"), max_length=14, choices=StepOutcome.choices)
    notes = EncryptedTextField(_("記録"), blank=True)
    session = models.ForeignKey(
        CouncilSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="steps",
        verbose_name=_("審議した児童福祉審議会"),
    )
    recorded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("認定の段階")
        verbose_name_plural = _("認定の段階")
        ordering = ["stage"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "stage"],
                name="step_one_per_stage",
                violation_error_message=_("この段階はすでに記録されています。"),
            ),
            models.CheckConstraint(condition=Q(stage__gte=1, stage__lte=6), name="step_stage_1_6"),
            models.CheckConstraint(
                condition=~Q(stage=Stage.COUNCIL) | Q(session__isnull=False),
                name="step_council_has_session",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.done_on}"


class Training(RowBound, models.Model):
    """Attendance at a training course (認定前研修: basic and pre-registration; 更新研修)."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="trainings")
    course = models.CharField(_("研修"), max_length=20, choices=Course.choices)
    attended_on = models.DateField(_("受講修了日"))
    notes = EncryptedTextField(_("備考"), blank=True)
    recorded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("研修の受講")
        verbose_name_plural = _("研修の受講")
        ordering = ["attended_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_course_display()} {self.attended_on}"


class StudyVisit(RowBound, models.Model):
    """A home-study visit (家庭調査) and its findings."""

    applicant = models.ForeignKey(Applicant, on_delete=models.PROTECT, related_name="study_visits")
    visited_on = models.DateField(_("訪問日"))
    worker = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("訪問した職員")
    )
    findings = EncryptedTextField(_("所見"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("家庭調査の訪問")
        verbose_name_plural = _("家庭調査の訪問")
        ordering = ["visited_on", "pk"]

    def __str__(self) -> str:
        return f"{self.visited_on}"


class HomeQuerySet(FosterQuerySet):
    def active(self) -> HomeQuerySet:
        return self.filter(status=HomeStatus.ACTIVE)

    def taking_on(self, day) -> HomeQuerySet:
        """Homes that may take a new placement starting `day`: registered and not expired."""
        return self.active().filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))


class Home(Scoped, RowBound, models.Model):
    """A certified foster home (認定・登録), created by the last stage of an application."""

    applicant = models.OneToOneField(
        Applicant, on_delete=models.PROTECT, related_name="home", verbose_name=_("申込み")
    )
    name = EncryptedCharField(_("里親家庭の名称"), max_length=80)
    phone = EncryptedCharField(_("連絡先"), max_length=40, blank=True)
    town = models.CharField(_("町名"), max_length=20, choices=TOWN_CHOICES)
    foster_type = models.CharField(_("里親の種類"), max_length=12, choices=FosterType.choices)
    capacity = models.PositiveSmallIntegerField(_("受託できる人数"))
    registered_on = models.DateField(_("登録日"))
    expires_on = models.DateField(_("登録の有効期間の末日"), null=True, blank=True)
    worker = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="foster_homes", verbose_name=_("担当者")
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=HomeStatus.choices, default=HomeStatus.ACTIVE
    )
    ended_on = models.DateField(_("登録終了日"), null=True, blank=True)
    history = HistoricalRecords()

    objects = HomeQuerySet.as_manager()

    class Meta:
        verbose_name = _("里親家庭")
        verbose_name_plural = _("里親家庭")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=6), name="home_capacity_1_6"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("registered_on")),
                name="home_expires_after_registration",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_on"], name="home_status_expiry")]

    def __str__(self) -> str:
        return self.name

    @property
    def district(self) -> str:
        return rules.district_for_town(self.town)

    def is_expired(self, on) -> bool:
        return self.expires_on is not None and self.expires_on < on

    def takes_placements(self, on) -> bool:
        return self.status == HomeStatus.ACTIVE and not self.is_expired(on)


class HomeSlot(models.Model):
    """A place for one child in a home: a home's capacity is its number of active places."""

    home = models.ForeignKey(Home, on_delete=models.PROTECT, related_name="slots")
    number = models.PositiveSmallIntegerField(_("番号"))
    active = models.BooleanField(_("使用可"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("受託枠")
        verbose_name_plural = _("受託枠")
        ordering = ["home", "number"]
        constraints = [
            models.UniqueConstraint(fields=["home", "number"], name="homeslot_unique_number"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=6), name="homeslot_number_1_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home_id}-{self.number}"


class Renewal(models.Model):
    """A renewal of a registration (after 更新研修): the new last valid day."""

    home = models.ForeignKey(Home, on_delete=models.PROTECT, related_name="renewals")
    renewed_on = models.DateField(_("更新日"))
    previous_expiry = models.DateField(_("更新前の末日"))
    new_expiry = models.DateField(_("更新後の末日"))
    training = models.ForeignKey(
        Training, on_delete=models.PROTECT, related_name="+", verbose_name=_("更新研修")
    )
    recorded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("登録の更新")
        verbose_name_plural = _("登録の更新")
        ordering = ["renewed_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_expiry__gt=models.F("previous_expiry")),
                name="renewal_extends_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.renewed_on} → {self.new_expiry}"


def _case_rule(user, action: str) -> Q:
    return Q(Exists(Case.objects.restrict(user, action).filter(pk=OuterRef("case_id"))))


class PlacementQuerySet(ScopedQuerySet):
    """view: foster staff (every placement) and whoever may open the placement's case.
    confirm and end: foster staff. withdraw (a proposal): foster staff and who may change the
    case."""

    actions = ("view", "confirm", "end", "withdraw")

    def rule(self, user, action: str) -> Q:
        foster = everything() if user.has_role(Role.FOSTER) else None
        if action == "view":
            return any_of([foster, _case_rule(user, "view")])
        if action in ("confirm", "end"):
            return foster or NEVER
        return any_of([foster, _case_rule(user, "change")])

    def current(self) -> PlacementQuerySet:
        return self.filter(state=PlacementState.ACTIVE)

    def proposed(self) -> PlacementQuerySet:
        return self.filter(state=PlacementState.PROPOSED)


class Placement(Scoped, RowBound, models.Model):
    """A placement (委託) of a child of an open case with a home: proposed by the case's worker
    or supervisor, confirmed by foster staff (then it holds a place in the home), ended with
    a reason."""

    child = models.ForeignKey(
        "casework.Child",
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("児童"),
    )
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        related_name="placements",
        verbose_name=_("ケース"),
    )
    home = models.ForeignKey(
        Home, on_delete=models.PROTECT, related_name="placements", verbose_name=_("里親家庭")
    )
    slot = models.ForeignKey(
        HomeSlot, on_delete=models.PROTECT, related_name="placements", null=True, blank=True
    )
    state = models.CharField(
        _("状態"), max_length=10, choices=PlacementState.choices, default=PlacementState.PROPOSED
    )
    needs = EncryptedTextField(_("養育上の配慮事項"), blank=True)
    planned_start = models.DateField(_("委託開始予定日"))
    planned_end = models.DateField(_("委託終了予定日"), null=True, blank=True)
    proposed_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("提案日時"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    started_on = models.DateField(_("委託開始日"), null=True, blank=True)
    ended_on = models.DateField(_("委託終了日"), null=True, blank=True)
    end_kind = models.CharField(
        _("終了の区分"), max_length=14, choices=PlacementEnd.choices, blank=True
    )
    end_reason = EncryptedTextField(_("終了・取下げの理由"), blank=True)
    history = HistoricalRecords()

    objects = PlacementQuerySet.as_manager()

    class Meta:
        verbose_name = _("里親委託")
        verbose_name_plural = _("里親委託")
        ordering = ["-planned_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(state=PlacementState.ACTIVE),
                name="placement_one_active_per_child",
                violation_error_message=_("この児童はすでに里親に委託されています。"),
            ),
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(state=PlacementState.PROPOSED),
                name="placement_one_proposal_per_child",
                violation_error_message=_("この児童には確認待ちの委託の提案がすでにあります。"),
            ),
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(state=PlacementState.ACTIVE),
                name="placement_one_active_per_slot",
                violation_error_message=_("この受託枠は使用中です。"),
            ),
            models.CheckConstraint(
                condition=~Q(state=PlacementState.ACTIVE)
                | (Q(slot__isnull=False) & Q(started_on__isnull=False)),
                name="placement_active_has_slot",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="placement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_end__isnull=True)
                | Q(planned_end__gte=models.F("planned_start")),
                name="placement_planned_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["home", "state"], name="placement_home_state"),
            models.Index(fields=["case", "state"], name="placement_case_state"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} {self.planned_start}"

    @property
    def is_active(self) -> bool:
        return self.state == PlacementState.ACTIVE

    @property
    def is_proposed(self) -> bool:
        return self.state == PlacementState.PROPOSED


class HomeVisit(RowBound, models.Model):
    """Support after placement: a visit to the home, who was seen and what was found."""

    home = models.ForeignKey(Home, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField(_("訪問日"))
    worker = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("訪問した職員")
    )
    seen = EncryptedCharField(_("面会した人"), max_length=200)
    findings = EncryptedTextField(_("所見"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("里親家庭への訪問")
        verbose_name_plural = _("里親家庭への訪問")
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.visited_on}"
