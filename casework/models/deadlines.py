"""The deadline ledger: one row per legal or practical due item, its notifications, and the
centre's duty roster (当番). Written by the services that do the work and by run_reminders
(casework/deadlines.py); read on every worker's home, /reminders/ and /audit/deadlines/."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import DeadlineKind, DeadlineState, Role
from casework.fields import EncryptedTextField, RowBound
from casework.models.cases import Case
from casework.models.children import Child
from casework.models.scoping import NEVER, Scoped, ScopedQuerySet, any_of
from casework.models.teams import Team

STAFF = settings.AUTH_USER_MODEL


class DeadlineQuerySet(ScopedQuerySet):
    """view: the owner; the supervisors of the deadline's team (the backup); intake staff the
    48-hour clocks of their teams' reports; foster staff every foster renewal. acknowledge: the
    owner, the team's supervisors and (renewals) foster staff.
    dismiss (with a reason): the team's supervisors."""

    actions = ("view", "acknowledge", "dismiss")

    def rule(self, user, action: str) -> Q:
        supervised = user.supervises()
        team = Q(team_id__in=sorted(supervised)) if supervised else None
        owner = Q(owner_id=user.pk)
        # Foster staff share the renewals of every registered home (a colleague covers).
        foster = Q(kind=DeadlineKind.FOSTER_RENEWAL) if user.has_role(Role.FOSTER) else None
        if action == "view":
            intake = None
            if user.has_role(Role.INTAKE) and user.team_ids():
                intake = Q(kind=DeadlineKind.SAFETY_CHECK, team_id__in=sorted(user.team_ids()))
            return any_of([owner, team, intake, foster])
        if action == "acknowledge":
            return any_of([owner, team, foster])
        return team if team is not None else NEVER

    def open(self) -> DeadlineQuerySet:
        return self.filter(state=DeadlineState.OPEN)

    def showing(self, now=None) -> DeadlineQuerySet:
        """Open and within their lead time (a re-judgment shows 90 days ahead, not years)."""
        return self.open().filter(opens_at__lte=now or timezone.now())


class Deadline(Scoped, RowBound, models.Model):
    """A due item: what, about which record, when, whose, and how it ended — met with the
    evidence that met it, missed, or dismissed with a reason (never closed without one)."""

    kind = models.CharField(_("種類"), max_length=30, choices=DeadlineKind.choices)
    key = models.CharField(_("識別子"), max_length=120, unique=True)
    subject_type = models.CharField(_("対象の記録の種類"), max_length=60)
    subject_id = models.CharField(_("対象の記録ID"), max_length=40)
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
        blank=True,
        verbose_name=_("ケース"),
    )
    child = models.ForeignKey(
        Child,
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
        blank=True,
        verbose_name=_("児童"),
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("係")
    )
    statutory = models.BooleanField(_("法定の期限"), default=True)
    due_at = models.DateTimeField(_("期限"))
    opens_at = models.DateTimeField(_("表示開始"))
    owner = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        related_name="deadlines",
        null=True,
        blank=True,
        verbose_name=_("担当者"),
    )
    state = models.CharField(
        _("状態"), max_length=10, choices=DeadlineState.choices, default=DeadlineState.OPEN
    )
    met_at = models.DateTimeField(_("対応日時"), null=True, blank=True)
    evidence_type = models.CharField(_("根拠の記録の種類"), max_length=60, blank=True)
    evidence_id = models.CharField(_("根拠の記録ID"), max_length=40, blank=True)
    evidence_label = models.CharField(_("根拠"), max_length=200, blank=True)
    reason = EncryptedTextField(_("取下げ・終了の理由"), blank=True)
    closed_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    closed_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("終了した職員"),
    )
    acknowledged_at = models.DateTimeField(_("確認日時"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("確認した職員"),
    )
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    # Bookkeeping for run_reminders, not part of the record: when the ladder next has
    # something to do (a step begins or a repeat falls due); NULL until first escalated.
    next_step_at = models.DateTimeField(_("次の通知の時刻"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["next_step_at"])

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("期限")
        verbose_name_plural = _("期限")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(
                fields=["owner", "due_at"],
                condition=Q(state="open"),
                name="deadline_open_owner",
            ),
            models.Index(
                fields=["team", "due_at"], condition=Q(state="open"), name="deadline_open_team"
            ),
            models.Index(fields=["kind", "due_at"], name="deadline_kind_due"),
            models.Index(
                fields=["next_step_at"], condition=Q(state="open"), name="deadline_open_next_step"
            ),
            models.Index(fields=["subject_type", "subject_id"], name="deadline_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="met") | (Q(met_at__isnull=False) & ~Q(evidence_type="")),
                name="deadline_met_has_evidence",
                violation_error_message=_("完了には根拠となる記録が必要です。"),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["missed", "dismissed"]) | Q(closed_at__isnull=False),
                name="deadline_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state == DeadlineState.OPEN

    @property
    def late(self) -> bool:
        """Met after the due time, or still open past it."""
        if self.state == DeadlineState.MET:
            return self.met_at is not None and self.met_at > self.due_at
        return self.state == DeadlineState.OPEN and timezone.now() > self.due_at

    @property
    def outcome_label(self) -> str:
        """For auditors: 期限内に完了 / 期限後に完了 / 未対応のまま終了 / 取下げ / 未完了."""
        if self.state == DeadlineState.MET:
            return "期限後に完了" if self.late else "期限内に完了"
        if self.state == DeadlineState.OPEN:
            return "期限超過（未完了）" if self.late else "未完了"
        return str(self.get_state_display())


class Notification(models.Model):
    """One escalation step sent to one person, once (unique key): in the application and by
    e-mail. Read in the application; acknowledged on the deadline itself."""

    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("期限")
    )
    recipient = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="notifications", verbose_name=_("宛先")
    )
    step = models.CharField(_("段階"), max_length=40)
    key = models.CharField(_("識別子"), max_length=160, unique=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    emailed_at = models.DateTimeField(_("メール送信日時"), null=True, blank=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_mail",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.recipient_id}"


class DutyAssignment(models.Model):
    """The centre's 当番 (duty officer) for a period: escalations of urgent deadlines reach them
    too (issue 11: the 48-hour check at 6 hours left and when overdue)."""

    user = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="duties", verbose_name=_("当番の職員")
    )
    starts_at = models.DateTimeField(_("開始"))
    ends_at = models.DateTimeField(_("終了"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("当番")
        verbose_name_plural = _("当番")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="duty_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"
