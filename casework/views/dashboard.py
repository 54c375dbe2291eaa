"""The supervisor's home: caseloads, cases by status, cases gone quiet; other apps add panels."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from casework.access import require_roles
from casework.choices import Role
from casework.registry import dashboard_panels
from casework.selectors import (
    approvals_waiting,
    case_counts,
    caseload_by_worker,
    cases_by_status,
    home_deadlines,
    stale_cases,
)

STALE_SHOWN = 20


@require_safe
@require_roles(Role.SUPERVISOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    counts = case_counts(user)
    caseload = caseload_by_worker(counts)
    by_status = cases_by_status(counts)
    stale = stale_cases(user).select_related("child", "lead")
    context = {
        "caseload": caseload,
        "caseload_chart": {
            "labels": [row["name"] for row in caseload],
            "values": [row["total"] for row in caseload],
            "label": "担当中のケース数",
        },
        "by_status": by_status,
        "status_chart": {
            "labels": [str(row["label"]) for row in by_status],
            "values": [row["total"] for row in by_status],
            "label": "ケース数",
        },
        "stale": list(stale[:STALE_SHOWN]),
        "stale_total": stale.count(),
        "panels": [panel for panel in (p(request) for p in dashboard_panels()) if panel],
        "approvals": list(approvals_waiting(user)[:STALE_SHOWN]),
        **home_deadlines(user),
    }
    return render(request, "casework/dashboard.html", context)
