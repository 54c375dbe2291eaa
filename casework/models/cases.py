"""Cases (ケース), the workers on them, notes, school liaison and the timeline of acts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from casework.choices import (
    ApprovalState,
    CaseStatus,
    Category,
    ClosureOutcome,
    NoteKind,
    PlanKind,
    Profession,
)
from casework.fields import EncryptedCharField, EncryptedTextField
from casework.models.children import Child
from casework.models.teams import Team
from casework.wareki import era_initial_year


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        """Only the cases this user may see (casework/access.py decides)."""
        from casework.access import scope_cases

        return scope_cases(self, user)

    def for_list(self) -> CaseQuerySet:
        return self.select_related("child", "team", "lead")


class Case(models.Model):
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("年度内番号"))
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="lead_cases",
        verbose_name=_("主担当"),
    )
    category = models.PositiveSmallIntegerField(_("相談種別"), choices=Category.choices)
    status = models.CharField(
        _("状態"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.ACCEPTED
    )
    opened_on = models.DateField(_("受理日"))
    summary = EncryptedTextField(_("主訴・概要"), blank=True)

    plan_kind = models.CharField(_("援助方針"), max_length=20, choices=PlanKind.choices, blank=True)
    plan_detail = EncryptedTextField(_("援助方針の内容"), blank=True)
    plan_state = models.CharField(
        _("援助方針の承認"), max_length=10, choices=ApprovalState.choices, blank=True
    )
    plan_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_approved_at = models.DateTimeField(null=True, blank=True)

    closure_state = models.CharField(
        _("終結の承認"), max_length=10, choices=ApprovalState.choices, blank=True
    )
    closure_outcome = models.CharField(
        _("終結区分"), max_length=20, choices=ClosureOutcome.choices, blank=True
    )
    closure_reason = EncryptedTextField(_("終結理由"), blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_on = models.DateField(_("終結日"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("ケース")
        verbose_name_plural = _("ケース")
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "seq"], name="case_number_unique"),
        ]
        indexes = [
            models.Index(fields=["team", "status"], name="case_team_status"),
            models.Index(fields=["lead", "status"], name="case_lead_status"),
            # The lists show newest first: an index in that order avoids sorting wide rows.
            models.Index(fields=["-opened_on", "-seq"], name="case_opened_desc"),
        ]
        ordering = ["-fiscal_year", "-seq"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """Case number readable by staff: R7-000123."""
        return f"{era_initial_year(self.fiscal_year)}-{self.seq:06d}"

    @property
    def is_closed(self) -> bool:
        return self.status == CaseStatus.CLOSED


class CaseUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct FK table: fast joins instead of generic relations."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"{self.user_id}:{self.permission_id}:{self.content_object_id}"


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    def __str__(self) -> str:
        return f"{self.group_id}:{self.permission_id}:{self.content_object_id}"


class CaseWorker(models.Model):
    """A worker on a case: the lead or a co-worker, with the role they hold on it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="workers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_roles"
    )
    role = models.CharField(_("役割"), max_length=20, choices=Profession.choices)
    is_lead = models.BooleanField(_("主担当"), default=False)
    active = models.BooleanField(_("担当中"), default=True)
    assigned_at = models.DateTimeField(_("担当開始"), default=timezone.now)
    ended_at = models.DateTimeField(_("担当終了"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("担当者")
        verbose_name_plural = _("担当者")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "user"],
                condition=models.Q(active=True),
                name="caseworker_one_active_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.user} ({self.get_role_display()})"


class CaseNote(models.Model):
    """A record of casework: interview, visit, call, meeting, diagnosis."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(_("種別"), max_length=20, choices=NoteKind.choices)
    occurred_at = models.DateTimeField(_("実施日時"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ケース記録")
        verbose_name_plural = _("ケース記録")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["case", "-occurred_at"], name="note_case_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


class SchoolLiaison(models.Model):
    """School liaison: which school, the contact made, what was agreed."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="school_liaisons")
    school = EncryptedCharField(_("学校名"), max_length=100)
    contacted_on = models.DateField(_("連絡日"))
    contact_person = EncryptedCharField(_("先方担当者"), max_length=80, blank=True)
    agreed = EncryptedTextField(_("確認・合意事項"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("学校との連携")
        verbose_name_plural = _("学校との連携")
        ordering = ["-contacted_on"]

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.school}"


class CaseEvent(models.Model):
    """A significant act on a case in plain Japanese, for the timeline (受理, 移管, 承認…)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=300)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ケースの経過")
        verbose_name_plural = _("ケースの経過")
        ordering = ["-at"]
        indexes = [models.Index(fields=["case", "-at"], name="event_case_time")]

    def __str__(self) -> str:
        return self.text
