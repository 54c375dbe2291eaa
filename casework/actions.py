"""The one way a page runs a write from a form: validate, run the service (which owns its
transaction), and turn a rule's refusal into messages next to the fields — nothing saved, never
a 500. Action URLs answer a GET by sending the user back to the record's page, so reloading
after a failed POST never meets a 405."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from casework.writes import CaseRuleError


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
    success: str | Callable[[Any], str],
    *,
    refusals: tuple[type[ValidationError], ...] = (CaseRuleError,),
) -> tuple[bool, Any]:
    """(done, result). On success the message (or `success(result)`) is flashed; on a refusal
    the form carries it. Flash messages are stored in the session: they must never contain a
    personal value."""
    if not form.is_valid():
        return False, None
    try:
        result = action()
    except refusals as error:
        apply_rule_error(form, error)
        return False, None
    messages.success(request, success(result) if callable(success) else success)
    return True, result


def post_action(page: str | Callable[..., str], kwarg: str = "pk"):
    """An action view: POST runs it; GET or HEAD goes back to the record's page (`page`, a URL
    name taking the same id, or a function of the request and the URL's arguments returning
    a URL), which itself decides whether the user may see it."""

    def decorator(view):
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method in ("GET", "HEAD"):
                if callable(page):
                    return redirect(page(request, **kwargs))
                return redirect(page, **{kwarg: kwargs[kwarg]})
            if request.method != "POST":
                return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
