"""意見聴取等措置 (児童福祉法33条の3の3, DOMAIN §11): the child's views heard before each
decision on 一時保護 and on a placement measure (施設入所, 里親委託, their change or end), or —
where that was not possible — the reason, and the views heard promptly afterwards.

One row per decision, written by the decision's own service in the same transaction
(casework/hearings.py). The decision itself lives in its app (shelter, foster); the row names it
by `subject_type` / `subject_id` like the deadline ledger, so casework imports neither.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import ViewsDecision, ViewsDeferral, ViewsMethod, ViewsTiming
from casework.fields import EncryptedTextField, RowBound
from casework.models.cases import Case
from casework.models.children import Child
from casework.models.scoping import Scoped, ScopedQuerySet

STAFF = settings.AUTH_USER_MODEL
AFTER, BEFORE = ViewsTiming.AFTER, ViewsTiming.BEFORE


def _case_rule(user, action: str) -> Q:
    return Q(Exists(Case.objects.restrict(user, action).filter(pk=OuterRef("case_id"))))


class ViewsHearingQuerySet(ScopedQuerySet):
    """view: whoever may open the case. record (the views heard afterwards, the feedback to the
    child): whoever may change the case."""

    actions = ("view", "record")

    def rule(self, user, action: str) -> Q:
        return _case_rule(user, "view" if action == "view" else "change")

    def outstanding(self) -> ViewsHearingQuerySet:
        """Deferred hearings whose views have not yet been heard."""
        return self.filter(timing=AFTER, heard_on__isnull=True)


class ViewsHearing(Scoped, RowBound, models.Model):
    """The child's views for one decision: how, by whom, with or without an advocate, what the
    child said, how the decision was fed back — or why they could not be heard first."""

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="views_hearings", verbose_name=_("ケース")
    )
    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="views_hearings", verbose_name=_("児童")
    )
    decision_kind = models.CharField(_("決定の種類"), max_length=12, choices=ViewsDecision.choices)
    decided_on = models.DateField(_("決定日"))
    decided_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("決定を記録した職員")
    )
    subject_type = models.CharField(_("決定の記録の種類"), max_length=60)
    subject_id = models.CharField(_("決定の記録ID"), max_length=40)
    timing = models.CharField(_("聴取の時期"), max_length=8, choices=ViewsTiming.choices)
    deferral_kind = models.CharField(
        _("事前に聴取できなかった理由"), max_length=10, choices=ViewsDeferral.choices, blank=True
    )
    deferral_reason = EncryptedTextField(_("事前に聴取できなかった事情"), blank=True)
    due_on = models.DateField(_("事後の聴取の期限"), null=True, blank=True)
    heard_on = models.DateField(_("聴取日"), null=True, blank=True)
    heard_by = models.ForeignKey(
        STAFF,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("聴取した職員"),
    )
    method = models.CharField(
        _("聴取の方法"), max_length=10, choices=ViewsMethod.choices, blank=True
    )
    advocate_offered = models.BooleanField(_("意見表明等支援員の案内"), default=False)
    advocate_used = models.BooleanField(_("意見表明等支援員の利用"), default=False)
    child_views = EncryptedTextField(_("児童の意見・意向"), blank=True)
    feedback = EncryptedTextField(_("決定と理由の児童への説明"), blank=True)
    feedback_on = models.DateField(_("説明した日"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("記録した職員")
    )
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    history = HistoricalRecords()

    objects = ViewsHearingQuerySet.as_manager()

    class Meta:
        verbose_name = _("意見聴取")
        verbose_name_plural = _("意見聴取")
        ordering = ["-decided_on", "-pk"]
        indexes = [
            models.Index(fields=["decided_on", "decision_kind"], name="views_decided_kind"),
            models.Index(fields=["case", "-decided_on"], name="views_case_decided"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "decision_kind"],
                name="views_one_per_decision",
                violation_error_message=_("この決定の意見聴取はすでに記録されています。"),
            ),
            models.CheckConstraint(
                condition=Q(advocate_used=False) | Q(advocate_offered=True),
                name="views_advocate_used_was_offered",
                violation_error_message=_(
                    "意見表明等支援員を利用した場合は、支援員を案内したことも記録してください。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(timing=AFTER)
                | (Q(timing=BEFORE, heard_on__isnull=False, deferral_kind="", due_on__isnull=True)),
                name="views_before_is_heard",
                violation_error_message=_("決定の前に聴取した場合は、聴取日を入力してください。"),
            ),
            models.CheckConstraint(
                condition=Q(timing=BEFORE) | (~Q(deferral_kind="") & Q(due_on__isnull=False)),
                name="views_after_has_reason",
                violation_error_message=_(
                    "事前に聴取できなかった場合は、その理由（緊急・年齢・心身の状況）を選んでください。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(heard_on__isnull=True) | (Q(heard_by__isnull=False) & ~Q(method="")),
                name="views_heard_has_how",
                violation_error_message=_("聴取した職員と聴取の方法を入力してください。"),
            ),
            models.CheckConstraint(
                condition=Q(timing=AFTER) | Q(heard_on__lte=F("decided_on")),
                name="views_before_not_after_decision",
                violation_error_message=_("決定の前の聴取日は、決定日以前の日付にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(timing=BEFORE)
                | Q(heard_on__isnull=True)
                | Q(heard_on__gte=F("decided_on")),
                name="views_after_not_before_decision",
                violation_error_message=_("事後の聴取日は、決定日以降の日付にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(feedback_on__isnull=True) | Q(feedback_on__gte=F("decided_on")),
                name="views_feedback_after_decision",
                violation_error_message=_("説明した日は、決定日以降の日付にしてください。"),
            ),
        ]

    def __str__(self) -> str:
        return f"意見聴取（{self.get_decision_kind_display()} {self.decided_on}）"

    @property
    def is_outstanding(self) -> bool:
        return self.timing == AFTER and self.heard_on is None

    @property
    def is_late(self) -> bool:
        """Heard afterwards after the due day, or still not heard past it."""
        if self.timing != AFTER or self.due_on is None:
            return False
        if self.heard_on is not None:
            return self.heard_on > self.due_on
        return timezone.localdate() > self.due_on
