"""Consultations (相談受付), referral routes and safety confirmations (DOMAIN §1–§3).

Reporter identity, the summary and what was seen are encrypted at rest; received time,
category, route and the 48-hour deadline stay in clear so the queue and the statistics run in
the database.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import CATEGORY_GROUP, Category, ConsultationGroup, Role
from casework.fields import EncryptedCharField, EncryptedTextField, RowBound
from casework.models import Case
from casework.models.scoping import Scoped, ScopedQuerySet, any_of
from intake.choices import (
    ABUSE_FIELDS,
    DIRECT_METHODS,
    STEP_OUTCOMES,
    AbuseType,
    Agency,
    AttemptOutcome,
    Channel,
    ConsultationStatus,
    Outcome,
    SafetyMethod,
    StepKind,
    StepOutcome,
    Urgency,
)


class RouteQuerySet(models.QuerySet):
    def effective_on(self, day: date) -> RouteQuerySet:
        """Routes in use on a day (valid_to is the last day, inclusive)."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)

    def effective_between(self, start: date, end: date) -> RouteQuerySet:
        """Routes in use on any day of [start, end]."""
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start), valid_from__lte=end)


class Route(models.Model):
    """相談の経路: a lookup table with an effective period, edited in the admin (DOMAIN §2)."""

    code = models.SlugField(_("コード"), max_length=40)
    name = models.CharField(_("経路"), max_length=60)
    group = models.CharField(_("区分"), max_length=40, help_text=_("統計表で列をまとめる見出し"))
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    valid_from = models.DateField(_("適用開始日"))
    valid_to = models.DateField(
        _("適用終了日"), null=True, blank=True, help_text=_("この日まで使います。空欄は現行。")
    )
    history = HistoricalRecords()

    objects = RouteQuerySet.as_manager()

    class Meta:
        verbose_name = _("相談の経路")
        verbose_name_plural = _("相談の経路")
        ordering = ["sort_order", "valid_from", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="route_code_from_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="route_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(sort_order__lte=32767), name="route_sort_order_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_effective_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@cache
def _labels(choices: type[models.Choices]) -> dict:
    return dict(choices.choices)


def label_of(choices: type[models.Choices], value) -> str:
    """A choice's label from a dict built once: get_FOO_display() rebuilds (and hashes, so
    translates) every label of the field on each call, which dominated the lists' render."""
    return _labels(choices).get(value, value)


LIST_DEFERRED = (
    "summary",
    "reporter_name",
    "reporter_relation",
    "reporter_contact",
    "outcome_note",
    "child__address",
    "child__school",
    "child__allergies",
    "received_by__password",
    "case__summary",
    "case__plan_detail",
    "case__closure_reason",
)


INTAKE_ROLES = (Role.INTAKE, Role.SUPERVISOR)  # the queue and new consultations
DETAIL_ROLES = (Role.INTAKE, Role.SUPERVISOR, Role.CASEWORKER)
REPORT_ROLES = (Role.INTAKE, Role.SUPERVISOR, Role.AUDITOR)  # statistics: no personal data


def queue_team_ids(user) -> frozenset[int]:
    """The teams whose queue the user works and for which they record consultations: intake
    staff their (active) teams, supervisors the teams they supervise."""
    teams: set[int] = set()
    if user.has_role(Role.INTAKE):
        teams |= user.team_ids()
    if user.has_role(Role.SUPERVISOR):
        teams |= user.supervises()
    return frozenset(teams)


def _in_teams(team_ids, field: str = "team_id") -> Q | None:
    return Q(**{f"{field}__in": sorted(team_ids)}) if team_ids else None


class ConsultationQuerySet(ScopedQuerySet):
    """Rules for consultations (intake's scope, written once):

    - view: the receiving team's intake staff and supervisors; the workers of the case it
      became (those who may open that case);
    - decide (受理 or close): a supervisor of the receiving team;
    - reveal (the reporter, DOMAIN §3): the receiving team's supervisors, the supervisors of
      the resulting case's team and its lead worker — every reveal is logged;
    - confirm (a 48-hour safety confirmation): the receiving team's supervisors and, once there
      is a case, everyone who may change it.
    """

    actions = ("view", "decide", "reveal", "confirm")

    def rule(self, user, action: str) -> Q:
        supervised = _in_teams(user.supervises())
        if action == "view":
            intake = _in_teams(user.team_ids()) if user.has_role(Role.INTAKE) else None
            case = None
            if user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
                # Correlated EXISTS, not IN (…): under an OR, IN would build the whole set of
                # the user's visible cases (100,000 for a supervisor) for every query.
                case = Q(Exists(Case.objects.visible_to(user).filter(pk=OuterRef("case_id"))))
            return any_of([intake, supervised, case])
        if action == "decide":
            return any_of([supervised])
        if action == "reveal":
            case_team = _in_teams(user.supervises(), "case__team_id")
            lead = (
                Q(case__lead_id=user.pk)
                if user.has_role(Role.CASEWORKER, Role.SUPERVISOR)
                else None
            )
            return any_of([supervised, case_team, lead])
        # confirm
        changeable = Case.objects.restrict(user, "change")
        case = Q(Exists(changeable.filter(pk=OuterRef("case_id"))))
        return Q(safety_due_at__isnull=False) & any_of([supervised, case])

    def for_list(self) -> ConsultationQuerySet:
        """What lists show; the narratives and the reporter are not even read (nor decrypted)."""
        return self.select_related(
            "child", "route", "team", "received_by", "case", "case__lead"
        ).defer(*LIST_DEFERRED, "case__lead__password")

    def open_clocks(self) -> ConsultationQuerySet:
        """Abuse reports whose 48-hour safety confirmation is still outstanding."""
        return self.filter(safety_due_at__isnull=False, safety_confirmed_at__isnull=True)


class Consultation(Scoped, RowBound, models.Model):
    """One contact with the centre, counted in the statistics whatever becomes of it."""

    received_at = models.DateTimeField(_("受付日時"))
    channel = models.CharField(_("受付方法"), max_length=20, choices=Channel.choices)
    route = models.ForeignKey(
        Route, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("経路")
    )
    category = models.PositiveSmallIntegerField(_("相談種別"), choices=Category.choices)
    urgency = models.CharField(
        _("緊急度"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM
    )
    summary = EncryptedTextField(_("相談内容"))
    child = models.ForeignKey(
        "casework.Child",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("児童"),
    )
    act_date = models.DateField(_("行為の日"), null=True, blank=True)
    registered_child = models.BooleanField(
        _("この受付で児童を登録"),
        default=False,
        help_text=_("児童をこの受付で新しく登録したとき。既存の児童に結びつけた受付では偽。"),
    )

    reporter_anonymous = models.BooleanField(_("匿名"), default=False)
    reporter_name = EncryptedCharField(_("通告者・相談者の氏名"), max_length=80, blank=True)
    reporter_relation = EncryptedCharField(_("児童との関係"), max_length=60, blank=True)
    reporter_contact = EncryptedCharField(_("連絡先"), max_length=120, blank=True)

    abuse_physical = models.BooleanField(AbuseType.PHYSICAL.label, default=False)
    abuse_sexual = models.BooleanField(AbuseType.SEXUAL.label, default=False)
    abuse_neglect = models.BooleanField(AbuseType.NEGLECT.label, default=False)
    abuse_psychological = models.BooleanField(AbuseType.PSYCHOLOGICAL.label, default=False)

    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("受付者"),
    )
    team = models.ForeignKey(
        "casework.Team",
        on_delete=models.PROTECT,
        related_name="consultations",
        verbose_name=_("受付係"),
    )
    status = models.CharField(
        _("状態"),
        max_length=20,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.OPEN,
    )
    outcome = models.CharField(_("終了区分"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = EncryptedTextField(_("終了の理由・紹介先"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        related_name="consultations",
        null=True,
        blank=True,
        verbose_name=_("ケース"),
    )

    safety_due_at = models.DateTimeField(_("安全確認の期限"), null=True, blank=True)
    safety_confirmed_at = models.DateTimeField(_("安全確認日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    history = HistoricalRecords()

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("相談受付")
        verbose_name_plural = _("相談受付")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__gte=1, category__lte=16),
                name="consultation_category_in_range",
            ),
        ]
        indexes = [
            # The queue reads the newest first and stops after a page (filters applied as it goes).
            models.Index(fields=["-received_at", "-id"], name="consult_newest"),
            models.Index(fields=["team", "status"], name="consult_team_status"),
            # The statistics read only these three columns for a fiscal-year range.
            models.Index(fields=["received_at", "category", "route"], name="consult_stats"),
            # Open 48-hour clocks, most urgent first (a small partial index).
            models.Index(
                fields=["safety_due_at"],
                condition=Q(safety_due_at__isnull=False, safety_confirmed_at__isnull=True),
                name="consult_open_clock",
            ),
        ]

    def __str__(self) -> str:
        return f"相談受付 #{self.pk}"

    @property
    def number(self) -> str:
        return f"受付 {self.pk:06d}" if self.pk else "受付（未登録）"

    @property
    def category_label(self) -> str:
        return label_of(Category, self.category)

    @property
    def channel_label(self) -> str:
        return label_of(Channel, self.channel)

    @property
    def urgency_label(self) -> str:
        return label_of(Urgency, self.urgency)

    @property
    def status_label(self) -> str:
        return label_of(ConsultationStatus, self.status)

    @property
    def outcome_label(self) -> str:
        return label_of(Outcome, self.outcome) if self.outcome else ""

    @property
    def group_label(self) -> str:
        return ConsultationGroup(CATEGORY_GROUP[self.category]).label

    @property
    def is_abuse_report(self) -> bool:
        return self.category == Category.ABUSE

    @property
    def abuse_types(self) -> list[str]:
        return [code for code, name in ABUSE_FIELDS.items() if getattr(self, name)]

    @property
    def abuse_type_labels(self) -> list[str]:
        return [str(AbuseType(code).label) for code in self.abuse_types]

    @property
    def clock_open(self) -> bool:
        return self.safety_due_at is not None and self.safety_confirmed_at is None

    @property
    def is_open(self) -> bool:
        return self.status == ConsultationStatus.OPEN


class SafetyConfirmation(RowBound, models.Model):
    """安全確認: who saw the child (or tried to), when, where, how. The first direct sighting
    stops the 48-hour clock; an attempt without one is kept as evidence of the effort."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="safety_confirmations"
    )
    seen_at = models.DateTimeField(_("確認日時"))
    seen_by = EncryptedCharField(_("確認した人"), max_length=80)
    agency = models.CharField(_("確認した機関"), max_length=10, choices=Agency.choices)
    agency_name = models.CharField(_("協力機関名"), max_length=100, blank=True)
    place = EncryptedCharField(_("確認した場所"), max_length=200)
    method = models.CharField(_("確認の方法"), max_length=20, choices=SafetyMethod.choices)
    seen_directly = models.BooleanField(_("直接目視"), default=False)
    outcome = models.CharField(_("結果"), max_length=10, choices=AttemptOutcome.choices)
    notes = EncryptedTextField(_("児童の様子・特記事項"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("安全確認")
        verbose_name_plural = _("安全確認")
        ordering = ["-seen_at", "-pk"]
        constraints = [
            # A record counts as a sighting only when its method is one.
            models.CheckConstraint(
                condition=Q(seen_directly=False) | Q(method__in=sorted(DIRECT_METHODS)),
                name="safety_sighting_by_a_direct_method",
            ),
            # A sighting is exactly an attempt whose outcome is 目視できた (issue 14 item 3).
            models.CheckConstraint(
                condition=Q(seen_directly=True, outcome=AttemptOutcome.SEEN)
                | (Q(seen_directly=False) & ~Q(outcome=AttemptOutcome.SEEN)),
                name="safety_sighting_is_outcome_seen",
                violation_error_message=_(
                    "直接目視の確認は結果「目視できた」、接触の試みはそれ以外の結果にしてください。"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"安全確認 {self.seen_at:%Y-%m-%d %H:%M}"

    @property
    def agency_label(self) -> str:
        if self.agency == Agency.PARTNER and self.agency_name:
            return f"{self.get_agency_display()}（{self.agency_name}）"
        return self.get_agency_display()

    @property
    def within_deadline(self) -> bool:
        due = self.consultation.safety_due_at
        return due is None or self.seen_at <= due

    @property
    def outcome_label(self) -> str:
        return label_of(AttemptOutcome, self.outcome)

    @property
    def failed(self) -> bool:
        return self.outcome in (AttemptOutcome.ABSENT, AttemptOutcome.REFUSED)


def _outcomes_by_kind() -> Q:
    """Each kind of step with the outcomes it may have (intake.choices.STEP_OUTCOMES)."""
    return any_of([Q(kind=k, outcome__in=list(v)) for k, v in STEP_OUTCOMES.items()])


class LegalStep(RowBound, models.Model):
    """A legal step when the child cannot be seen (児童虐待防止法 8条の2–10条, DOMAIN §3): what
    was decided, for when and where, addressed to whom, by which worker, and what came of it.
    The order of the steps is intake/ladder.py's; the services refuse a step out of order."""

    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        related_name="legal_steps",
        verbose_name=_("相談受付"),
    )
    case = models.ForeignKey(
        "casework.Case",
        on_delete=models.PROTECT,
        related_name="legal_steps",
        null=True,
        blank=True,
        verbose_name=_("ケース"),
    )
    kind = models.CharField(_("措置"), max_length=20, choices=StepKind.choices)
    decided_on = models.DateField(_("決定日"))
    scheduled_at = models.DateTimeField(
        _("期日"), help_text=_("出頭・立入調査・臨検等の日時、許可状請求・援助要請はその予定日時")
    )
    addressee = EncryptedCharField(_("相手方（保護者の氏名）"), max_length=80)
    place = EncryptedCharField(_("場所"), max_length=200)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("担当職員"),
    )
    notes = EncryptedTextField(_("備考"), blank=True)
    outcome = models.CharField(_("結果"), max_length=20, choices=StepOutcome.choices, blank=True)
    outcome_at = models.DateTimeField(_("結果の日時"), null=True, blank=True)
    outcome_notes = EncryptedTextField(_("結果の詳細"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("記録日時"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("法的措置（出頭要求・立入調査等）")
        verbose_name_plural = _("法的措置（出頭要求・立入調査等）")
        ordering = ["scheduled_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=StepKind.values),
                name="legal_step_kind_known",
                violation_error_message=_("措置の種類を選んでください。"),
            ),
            models.CheckConstraint(
                condition=(Q(outcome="") & Q(outcome_at__isnull=True))
                | (~Q(outcome="") & Q(outcome_at__isnull=False)),
                name="legal_step_outcome_with_its_time",
                violation_error_message=_("結果とその日時は両方入力してください。"),
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | _outcomes_by_kind(),
                name="legal_step_outcome_fits_kind",
                violation_error_message=_("この措置にはない結果です。一覧から選んでください。"),
            ),
        ]
        indexes = [models.Index(fields=["consultation", "scheduled_at"], name="step_by_report")]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.scheduled_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return label_of(StepKind, self.kind)

    @property
    def outcome_label(self) -> str:
        return label_of(StepOutcome, self.outcome) if self.outcome else ""

    @property
    def pending(self) -> bool:
        return not self.outcome


def child_rule(user, action: str) -> Q | None:
    """Registered with casework: what intake staff and the receiving team's supervisors see of
    the children of their teams' consultations. A child the team registered through a
    consultation: the full record. A child a consultation was merely linked to (registered by
    someone else): the identity only — linking grants nothing more (issue 8); the child enters
    a team's scope fully only when the consultation is accepted into that team's case."""
    if action not in ("view", "full"):
        return None
    teams = queue_team_ids(user)
    if not teams:
        return None
    theirs = Consultation.objects.filter(team_id__in=sorted(teams), child_id=OuterRef("pk"))
    if action == "full":
        theirs = theirs.filter(registered_child=True)
    return Q(Exists(theirs))
