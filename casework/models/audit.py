"""The access log and the tamper-evident chain over history rows. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from casework.choices import AccessAction, Role

# Sent after AccessLog.objects.bulk_create (which sends no post_save), so that bulk entries
# are sealed into the audit chain like single ones (casework/audit/signals.py).
access_logged_in_bulk = Signal()


class AccessLogManager(models.Manager):
    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        access_logged_in_bulk.send(sender=self.model, entries=created, using=self.db)
        return created


class AccessLog(models.Model):
    """Who viewed which record, when, from where (PRODUCT §3; DOMAIN §7)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    record_type = models.CharField(_("記録の種類"), max_length=60, db_index=True)
    record_id = models.CharField(_("記録ID"), max_length=40)
    action = models.CharField(
        _("操作"), max_length=10, choices=AccessAction.choices, default=AccessAction.VIEW
    )
    at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("接続元"), null=True, blank=True)
    path = models.CharField(_("URL"), max_length=500)

    objects = AccessLogManager()

    class Meta:
        verbose_name = _("閲覧記録")
        verbose_name_plural = _("閲覧記録")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "-at"], name="access_record"),
            models.Index(fields=["user", "-at"], name="access_user"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.record_type}#{self.record_id}"


class AuditLink(models.Model):
    """One link of the chain: HMAC over a history row's canonical content and the previous link."""

    seq = models.BigIntegerField(unique=True)
    history_label = models.CharField(max_length=100)
    history_id = models.BigIntegerField()
    mac = models.CharField(max_length=64)
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("監査チェーン")
        verbose_name_plural = _("監査チェーン")
        constraints = [
            models.UniqueConstraint(
                fields=["history_label", "history_id"], name="auditlink_unique_row"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.history_label}:{self.history_id}"


class ChainHead(models.Model):
    """A single row locked while a link is added, so concurrent writers cannot fork the chain."""

    seq = models.BigIntegerField(default=0)
    mac = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"chain head #{self.seq}"


class PowerKind(models.TextChoices):
    """Changes of who may do what (issue 9): recorded, shown to the auditor, chained."""

    ROLE_GRANTED = "role_granted", _("役割を付与")
    ROLE_REVOKED = "role_revoked", _("役割を解除")
    PASSWORD_CHANGED = "password_changed", _("パスワードを変更")
    ACTIVATED = "activated", _("アカウントを有効化")
    DEACTIVATED = "deactivated", _("アカウントを無効化")
    STAFF_GRANTED = "staff_granted", _("管理画面の利用を許可")
    STAFF_REVOKED = "staff_revoked", _("管理画面の利用を取消")
    SUPERUSER_GRANTED = "superuser_granted", _("全権限（スーパーユーザー）を付与")
    SUPERUSER_REVOKED = "superuser_revoked", _("全権限（スーパーユーザー）を解除")
    PERM_GRANTED = "perm_granted", _("記録ごとの権限を付与")
    PERM_REVOKED = "perm_revoked", _("記録ごとの権限を取消")


class PowerChange(models.Model):
    """A change of who holds which power: a role (group) given or taken, a password changed
    (the fact, never the hash), an account switched on or off, admin or superuser flags, an
    object permission granted or revoked. Written by casework/audit/powers.py from signals,
    so the admin site and every service are covered; never changed afterwards. Its history
    row (reason: 「監査担当を付与」) puts it on the auditor's desk and in the chain. Team
    membership and the supervisor flag have their own history (Membership)."""

    at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("操作した職員"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="power_changes",
        null=True,
        blank=True,
        verbose_name=_("対象の職員"),
    )
    kind = models.CharField(_("変更"), max_length=30, choices=PowerKind.choices)
    role = models.CharField(_("役割"), max_length=40, blank=True)
    permission = models.CharField(_("権限"), max_length=100, blank=True)
    record_type = models.CharField(_("記録の種類"), max_length=60, blank=True)
    record_id = models.CharField(_("記録ID"), max_length=40, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("権限の変更")
        verbose_name_plural = _("権限の変更")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        """「監査担当を付与」, 「パスワードを変更」, 「記録ごとの権限を付与（view_case）」."""
        if self.kind in (PowerKind.ROLE_GRANTED, PowerKind.ROLE_REVOKED):
            label = dict(Role.choices).get(self.role, self.role)
            verb = "付与" if self.kind == PowerKind.ROLE_GRANTED else "解除"
            return f"{label}を{verb}"
        text = str(PowerKind(self.kind).label)
        if self.permission:
            text += f"（{self.permission}）"
        return text
