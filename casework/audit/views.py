"""The auditor's desk (PRODUCT §4): change history with diffs, and the access log.

Auditors only; everything here is read-only (ReadOnlyAuditorMiddleware refuses their POSTs).
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from casework.access import require_roles
from casework.audit import selectors
from casework.audit.forms import AuditFilterForm, DeadlineAuditForm
from casework.choices import Role
from casework.models import Deadline

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


@require_safe
@require_roles(Role.AUDITOR)
def deadlines(request: HttpRequest) -> HttpResponse:
    """Every statutory deadline of a period — met on time, met late, missed, open — with its
    evidence and the escalation steps taken; CSV for the ward's reports."""
    form = DeadlineAuditForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    rows = selectors.deadline_audit(data) if valid else Deadline.objects.none()
    if data.get("format") == "csv":
        return _deadlines_csv(rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    steps = selectors.escalation_steps(list(page))
    for deadline in page:
        deadline.steps = steps.get(deadline.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query["format"] = "csv"
    return render(
        request,
        "audit/deadlines.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "csv_query": csv_query.urlencode(),
        },
        status=200 if valid else 400,
    )


CSV_HEADER = [
    "期限",
    "種類",
    "ケース番号",
    "係",
    "担当者",
    "結果",
    "対応日時",
    "根拠",
    "通知の段階",
]


def _deadlines_csv(rows) -> HttpResponse:
    import csv
    import io

    from casework.exports import safe_row

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for start in range(0, rows.count(), 1000):
        chunk = list(rows[start : start + 1000])
        steps = selectors.escalation_steps(chunk)
        for d in chunk:
            writer.writerow(
                safe_row(
                    [
                        timezone.localtime(d.due_at).strftime("%Y-%m-%d %H:%M"),
                        d.get_kind_display(),
                        d.case.number if d.case else "",
                        str(d.team or ""),
                        str(d.owner or ""),
                        d.outcome_label,
                        timezone.localtime(d.met_at).strftime("%Y-%m-%d %H:%M") if d.met_at else "",
                        d.evidence_label,
                        " / ".join(steps.get(d.pk, [])),
                    ]
                )
            )
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="deadlines.csv"'
    return response


@require_safe
@require_roles(Role.AUDITOR)
def views_compliance(request: HttpRequest) -> HttpResponse:
    """意見聴取等措置 per period (DOMAIN §11): per decision kind, how many decisions had the
    child's views heard before, afterwards in time, afterwards late, or not yet; CSV too."""
    from casework.audit.forms import ViewsAuditForm
    from casework.rules import fiscal_year_of

    today = timezone.localdate()
    form = ViewsAuditForm(request.GET or None)
    if not form.is_bound:
        form = ViewsAuditForm({"fiscal_year": fiscal_year_of(today)})
    valid = form.is_valid()
    start, end = form.period() if valid else (None, None)
    table = selectors.views_compliance(start, end, today) if valid else []
    if valid and form.cleaned_data.get("format") == "csv":
        return _views_csv(table, start, end)
    query = request.GET.copy() if request.GET else QueryDict(mutable=True)
    if not request.GET and start:
        query["fiscal_year"] = str(start.year)
    query["format"] = "csv"
    return render(
        request,
        "audit/views.html",
        {
            "form": form,
            "table": table,
            "columns": selectors.VIEWS_COLUMNS,
            "start": start,
            "end": end,
            "csv_query": query.urlencode(),
        },
        status=200 if valid else 400,
    )


def _views_csv(table: list[dict], start, end) -> HttpResponse:
    import csv
    import io

    from casework.exports import safe_row

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    names = [name for name, _label in selectors.VIEWS_COLUMNS]
    writer.writerow(["期間", "決定の種類", *[str(label) for _n, label in selectors.VIEWS_COLUMNS]])
    period = f"{start.isoformat() if start else ''}〜{end.isoformat() if end else ''}"
    for row in table:
        writer.writerow(safe_row([period, str(row["label"]), *[row[n] for n in names]]))
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="views-compliance.csv"'
    return response
