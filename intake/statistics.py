"""Consultations by category × route for a fiscal year (福祉行政報告例), with CSV and XLSX.

The counts come from one aggregate query (GROUP BY category, route over the fiscal year's
range of `received_at`, served by an index on those three columns); the subtotals and totals
are sums over that small matrix (16 × routes), never a loop over consultations.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet

from casework.choices import CATEGORY_GROUP, Category, ConsultationGroup
from casework.exports import safe_row
from casework.wareki import fiscal_year_label
from intake.models import Consultation, Route
from intake.selectors import day_start

TITLE = "相談種別・経路別 受付件数"


@dataclass(frozen=True)
class Column:
    route_id: int
    name: str
    group: str


@dataclass
class Row:
    kind: str  # "category", "subtotal" or "total"
    group: str
    label: str
    cells: list[int]
    code: int | None = None

    @property
    def total(self) -> int:
        return sum(self.cells)


@dataclass
class Table:
    fiscal_year: int
    start: date
    end: date  # last day, inclusive
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def title(self) -> str:
        return f"{self.label} {TITLE}"

    @property
    def column_groups(self) -> list[tuple[str, int]]:
        """Consecutive columns of the same route group, as (label, span) for the header."""
        groups: list[tuple[str, int]] = []
        for column in self.columns:
            if groups and groups[-1][0] == column.group:
                groups[-1] = (column.group, groups[-1][1] + 1)
            else:
                groups.append((column.group, 1))
        return groups

    @property
    def grand_total(self) -> int:
        return self.rows[-1].total if self.rows else 0


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    """1 April – 31 March."""
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def fiscal_year_counts(fiscal_year: int) -> QuerySet:
    """GROUP BY category, route over the fiscal year; COUNT(*) so the index alone answers it."""
    first, last = fiscal_year_bounds(fiscal_year)
    return (
        Consultation.objects.filter(
            received_at__gte=day_start(first), received_at__lt=day_start(last + timedelta(days=1))
        )
        .values("category", "route_id")
        .annotate(n=Count("*"))
        .order_by()
    )


def consultation_table(fiscal_year: int) -> Table:
    """Two queries: the aggregate, and the routes for the columns."""
    first, last = fiscal_year_bounds(fiscal_year)
    counts = fiscal_year_counts(fiscal_year)
    matrix = {(row["category"], row["route_id"]): row["n"] for row in counts}
    used = {route_id for _category, route_id in matrix}
    routes = Route.objects.filter(
        Q(pk__in=Route.objects.effective_between(first, last).values("pk")) | Q(pk__in=used)
    ).order_by("sort_order", "valid_from", "pk")
    columns = [Column(r.pk, r.name, r.group) for r in routes]
    table = Table(fiscal_year=fiscal_year, start=first, end=last, columns=columns)
    totals = [0] * len(columns)
    for group in ConsultationGroup:
        subtotal = [0] * len(columns)
        for code in (c for c in Category if CATEGORY_GROUP[c] == group):
            cells = [matrix.get((code.value, col.route_id), 0) for col in columns]
            table.rows.append(Row("category", str(group.label), str(code.label), cells, code))
            subtotal = [a + b for a, b in zip(subtotal, cells, strict=True)]
        table.rows.append(Row("subtotal", str(group.label), "小計", subtotal))
        totals = [a + b for a, b in zip(totals, subtotal, strict=True)]
    table.rows.append(Row("total", "合計", "", totals))
    return table


def _sheet_rows(table: Table) -> list[list]:
    """The table as rows of cells, shared by CSV and XLSX."""
    rows: list[list] = [
        [f"{table.title}（{table.start.isoformat()}〜{table.end.isoformat()}）"],
        ["区分", "相談種別", *[c.group for c in table.columns], "合計"],
        ["", "", *[c.name for c in table.columns], ""],
    ]
    for row in table.rows:
        label = f"{row.code}. {row.label}" if row.code else row.label
        rows.append([row.group, label, *row.cells, row.total])
    # Route names come from a table administrators edit: never let one run as a formula.
    return [safe_row(row) for row in rows]


def as_csv(table: Table) -> bytes:
    """UTF-8 with a BOM and CRLF line ends, so Excel opens it in Japanese without asking."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(_sheet_rows(table))
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.label
    for row in _sheet_rows(table):
        sheet.append(row)
    bold = Font(bold=True)
    sheet["A1"].font = Font(bold=True, size=13)
    for header_row in (2, 3):
        for cell in sheet[header_row]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for index, row in enumerate(table.rows, start=4):
        if row.kind != "category":
            for cell in sheet[index]:
                cell.font = bold
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 24
    for col in range(3, len(table.columns) + 4):
        sheet.column_dimensions[get_column_letter(col)].width = 11
    sheet.freeze_panes = "C4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
