"""The auditor's desk (PRODUCT §4): change history with diffs, and the access log.

Auditors only; everything here is read-only (ReadOnlyAuditorMiddleware refuses their POSTs).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from casework.access import require_roles
from casework.audit import selectors
from casework.audit.forms import AuditFilterForm
from casework.choices import Role

PAGE_SIZE = 50


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, dict | None]:
    """The bound filter form, and the selector arguments (None when the input is invalid)."""
    form = AuditFilterForm(request.GET or None)
    if not form.is_bound:
        return form, {}
    if not form.is_valid():
        return form, None
    start, end = form.period()
    data = form.cleaned_data
    return form, {
        "user": data.get("user"),
        "record_type": data.get("record_type") or "",
        "start": start,
        "end": end,
    }


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_safe
@require_roles(Role.AUDITOR)
def changes(request: HttpRequest) -> HttpResponse:
    form, arguments = _filters(request)
    feed = selectors.ChangeFeed(**arguments) if arguments is not None else []
    page = Paginator(feed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/changes.html",
        {"form": form, "page": page, "query": _query_without_page(request), "mask": selectors.MASK},
    )


@require_safe
@require_roles(Role.AUDITOR)
def access_log(request: HttpRequest) -> HttpResponse:
    form, arguments = _filters(request)
    queryset = selectors.access_log(**arguments) if arguments is not None else []
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page:
        entry.record_type_name = selectors.record_type_name(entry.record_type)
    return render(
        request,
        "audit/access.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )
