"""愛の手帳 (Tokyo's handbook for intellectual disability, DOMAIN §6): the handbook, its
judgments, the 18-year referral, and notices to the branch office (総合支所)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import HandbookDegree, JudgmentReason, NoticeKind
from casework.fields import EncryptedCharField, EncryptedTextField, RowBound
from casework.models.children import Child

STAFF = settings.AUTH_USER_MODEL


class Handbook(RowBound, models.Model):
    """A child's 愛の手帳: number, current degree, issue date."""

    child = models.OneToOneField(
        Child, on_delete=models.PROTECT, related_name="handbook", verbose_name=_("児童")
    )
    number = EncryptedCharField(_("手帳番号"), max_length=40)
    degree = models.PositiveSmallIntegerField(_("程度"), choices=HandbookDegree.choices)
    issued_on = models.DateField(_("交付日"))
    active = models.BooleanField(_("有効"), default=True)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("愛の手帳")
        verbose_name_plural = _("愛の手帳")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(degree__gte=1, degree__lte=4), name="handbook_degree_1_to_4"
            )
        ]

    def __str__(self) -> str:
        return f"愛の手帳 {self.get_degree_display()}"


class HandbookJudgment(RowBound, models.Model):
    """A (re-)judgment: when, the degree found, by whom, why, and when the next is due."""

    handbook = models.ForeignKey(
        Handbook, on_delete=models.PROTECT, related_name="judgments", verbose_name=_("愛の手帳")
    )
    judged_on = models.DateField(_("判定日"))
    degree = models.PositiveSmallIntegerField(_("判定した程度"), choices=HandbookDegree.choices)
    reason = models.CharField(_("判定の理由"), max_length=10, choices=JudgmentReason.choices)
    judged_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", verbose_name=_("判定した職員")
    )
    notes = EncryptedTextField(_("所見"), blank=True)
    next_due = models.DateField(_("次の再判定"), null=True, blank=True)
    next_age = models.PositiveSmallIntegerField(_("次の再判定の年齢"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("愛の手帳の判定")
        verbose_name_plural = _("愛の手帳の判定")
        ordering = ["-judged_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(degree__gte=1, degree__lte=4), name="judgment_degree_1_to_4"
            )
        ]

    def __str__(self) -> str:
        return f"{self.judged_on} {self.get_degree_display()}"


class HandbookChange(RowBound, models.Model):
    """A change of degree noticed between judgments: itself a reason for re-judgment."""

    handbook = models.ForeignKey(
        Handbook, on_delete=models.PROTECT, related_name="changes", verbose_name=_("愛の手帳")
    )
    noticed_on = models.DateField(_("変化に気付いた日"))
    note = EncryptedTextField(_("変化の内容"))
    recorded_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("愛の手帳の程度の変化")
        verbose_name_plural = _("愛の手帳の程度の変化")
        ordering = ["-noticed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.noticed_on}"


class HandbookReferral(RowBound, models.Model):
    """At 18 the child is judged by 東京都心身障害者福祉センター: the referral made (DOMAIN §6)."""

    handbook = models.ForeignKey(
        Handbook, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("愛の手帳")
    )
    referred_on = models.DateField(_("引継ぎ日"))
    note = EncryptedTextField(_("引継ぎの内容"), blank=True)
    referred_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("東京都心身障害者福祉センターへの引継ぎ")
        verbose_name_plural = _("東京都心身障害者福祉センターへの引継ぎ")

    def __str__(self) -> str:
        return f"{self.referred_on}"


class BranchNotice(models.Model):
    """A change of a handbook holder's address or name, to be notified to the branch office
    (総合支所) of the child's district (DOMAIN §6, §8); listed for the intake desk."""

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="branch_notices", verbose_name=_("児童")
    )
    kind = models.CharField(_("種類"), max_length=10, choices=NoticeKind.choices)
    district = models.CharField(_("地区"), max_length=10)
    branch_office = models.CharField(_("総合支所"), max_length=30)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    created_by = models.ForeignKey(STAFF, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("通知日時"), null=True, blank=True)
    sent_by = models.ForeignKey(
        STAFF, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("総合支所への通知")
        verbose_name_plural = _("総合支所への通知")
        ordering = ["sent_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["sent_at", "-created_at"], name="notice_pending")]

    def __str__(self) -> str:
        return f"{self.branch_office} {self.get_kind_display()}"
