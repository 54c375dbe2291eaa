"""The one way a page runs a write from a form: validate, run the service in a transaction,
and turn a rule's refusal into messages next to the fields — nothing saved, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from casework.services import CaseRuleError


def apply_rule_error(form: forms.Form, error: ValidationError) -> None:
    """Put each message next to the field it names (a dict of errors or an error's `field`),
    otherwise at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, found in error.message_dict.items():
            form.add_error(name if name in form.fields else None, found)
        return
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error.messages)


def perform(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[], Any],
    success: str,
    *,
    refusals: tuple[type[ValidationError], ...] = (CaseRuleError,),
) -> tuple[bool, Any]:
    """(done, result). On success the message is flashed; on a refusal the form carries it."""
    if not form.is_valid():
        return False, None
    try:
        with transaction.atomic():
            result = action()
    except refusals as error:
        apply_rule_error(form, error)
        return False, None
    messages.success(request, success)
    return True, result
