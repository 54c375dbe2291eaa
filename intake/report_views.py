"""/reports/consultations/: the fiscal year's table of category × route, as a page, CSV or XLSX.

The statistics hold counts only (no personal data): intake staff, supervisors and auditors.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from casework.access import require_roles
from casework.rules import fiscal_year_of
from intake.forms import StatisticsForm
from intake.models import REPORT_ROLES
from intake.statistics import as_csv, as_xlsx, consultation_table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@require_roles(*REPORT_ROLES)
def consultations(request: HttpRequest) -> HttpResponse:
    current = fiscal_year_of(timezone.localdate())
    form = StatisticsForm(
        {
            "fiscal_year": request.GET.get("fiscal_year") or current,
            "format": request.GET.get("format", ""),
        }
    )
    if not form.is_valid():
        context = {"form": form, "table": None, "current": current}
        return render(request, "intake/statistics.html", context, status=400)
    fiscal_year = form.cleaned_data["fiscal_year"]
    table = consultation_table(fiscal_year)
    output = form.cleaned_data["format"]
    filename = f"consultations_FY{fiscal_year}"
    if output == "csv":
        return _download(as_csv(table), "text/csv; charset=utf-8", f"{filename}.csv")
    if output == "xlsx":
        return _download(as_xlsx(table), XLSX_TYPE, f"{filename}.xlsx")
    years = range(current, max(current - 5, 1999), -1)
    context = {"form": form, "table": table, "current": current, "years": years}
    return render(request, "intake/statistics.html", context)
