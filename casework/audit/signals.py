"""Every history row joins the audit chain as it is written."""

from __future__ import annotations

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import post_create_historical_record

from casework.audit.chain import link_history_instance


@receiver(post_create_historical_record, dispatch_uid="mimamori_audit_chain")
def chain_history_row(sender, history_instance, **kwargs) -> None:
    link_history_instance(history_instance)


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
