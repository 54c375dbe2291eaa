"""The access log and the tamper-evident chain over history rows. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import AccessAction

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
