"""Every history row joins the audit chain as it is written."""

from __future__ import annotations

from django.dispatch import receiver
from simple_history.signals import post_create_historical_record

from casework.audit.chain import link_history_instance


@receiver(post_create_historical_record, dispatch_uid="mimamori_audit_chain")
def chain_history_row(sender, history_instance, **kwargs) -> None:
    link_history_instance(history_instance)
