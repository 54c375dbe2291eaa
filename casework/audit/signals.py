"""Every history row and access-log entry is noted as it is written, and sealed into the audit
chain right after its transaction commits (casework/audit/chain.py)."""

from __future__ import annotations

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import post_create_historical_record

from casework.audit.chain import note_written
from casework.models import AccessLog
from casework.models.audit import access_logged_in_bulk


@receiver(post_create_historical_record, dispatch_uid="mimamori_audit_chain")
def chain_history_row(sender, history_instance, **kwargs) -> None:
    note_written(
        type(history_instance),
        [history_instance.pk],
        history_instance._state.db,
        instances=[history_instance],
    )


@receiver(post_save, sender=AccessLog, dispatch_uid="mimamori_access_chain")
def chain_access_entry(sender, instance, created, using, **kwargs) -> None:
    if created:
        note_written(AccessLog, [instance.pk], using, instances=[instance])


def record_login_without_history(sender, request, user, **kwargs) -> None:
    """Django's update_last_login, minus a history row: last_login is excluded from the user's
    history, so each login would otherwise leave an empty change on the auditor's desk."""
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving


def replace_update_last_login() -> None:
    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
    user_logged_in.disconnect(update_last_login)
    user_logged_in.connect(record_login_without_history, dispatch_uid="mimamori_last_login")


@receiver(access_logged_in_bulk, dispatch_uid="mimamori_access_chain_bulk")
def chain_access_entries(sender, entries, using, **kwargs) -> None:
    note_written(AccessLog, [entry.pk for entry in entries], using)
