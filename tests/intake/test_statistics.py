"""/reports/consultations/: category × route for a fiscal year; totals match the consultations."""

import csv
import io
from datetime import date

import pytest

from casework.choices import Category
from intake.models import Consultation, Route
from intake.statistics import consultation_table, fiscal_year_bounds
from tests.intake.conftest import tokyo

pytestmark = pytest.mark.django_db

URL = "/reports/consultations/"


@pytest.fixture
def known_set(make_consultation, supervisor, caseworker, team_a):
    """Five consultations in fiscal year 2025 (令和7年度), one on each side of it."""
    from intake.services import consultation_accept, consultation_decline

    first = make_consultation(
        category=Category.ABUSE, route_code="neighbour", received_at=tokyo(2025, 4, 1, 0, 0)
    )
    make_consultation(
        category=Category.ABUSE, route_code="police", received_at=tokyo(2026, 3, 31, 23, 59)
    )
    make_consultation(
        category=Category.SHOHO,
        route_code="school",
        received_at=tokyo(2025, 10, 10, 15, 0),
        act_date=date(2025, 10, 1),
    )
    advice = make_consultation(
        category=Category.PARENTING,
        route_code="family_mother",
        received_at=tokyo(2025, 6, 1, 9, 0),
    )
    make_consultation(
        category=Category.PARENTING,
        route_code="family_mother",
        received_at=tokyo(2025, 6, 2, 9, 0),
    )
    # Outside the year: the moment before 1 April 2025 and 1 April 2026 itself.
    make_consultation(category=Category.PARENTING, received_at=tokyo(2025, 3, 31, 23, 59))
    make_consultation(category=Category.PARENTING, received_at=tokyo(2026, 4, 1, 0, 0))
    # Accepted or not, every consultation counts.
    consultation_accept(actor=supervisor, consultation=first, team=team_a, lead=caseworker)
    consultation_decline(actor=supervisor, consultation=advice, outcome="advice")


def cell(table, category: int, code: str) -> int:
    column = next(
        i for i, c in enumerate(table.columns) if c.route_id == Route.objects.get(code=code).pk
    )
    row = next(r for r in table.rows if r.code == category)
    return row.cells[column]


def test_the_table_counts_each_consultation_of_the_fiscal_year_once(known_set):
    table = consultation_table(2025)
    assert table.label == "令和7年度"
    assert table.grand_total == 5
    first, last = fiscal_year_bounds(2025)
    assert (first, last) == (date(2025, 4, 1), date(2026, 3, 31))
    assert cell(table, Category.ABUSE, "neighbour") == 1
    assert cell(table, Category.ABUSE, "police") == 1
    assert cell(table, Category.SHOHO, "school") == 1
    assert cell(table, Category.PARENTING, "family_mother") == 2
    subtotals = {r.group: r.total for r in table.rows if r.kind == "subtotal"}
    assert subtotals == {
        "養護相談": 2,
        "保健相談": 0,
        "障害相談": 0,
        "非行相談": 1,
        "育成相談": 2,
        "その他": 0,
    }
    categories = [r for r in table.rows if r.kind == "category"]
    assert [r.code for r in categories] == list(range(1, 17))
    total_row = table.rows[-1]
    assert sum(total_row.cells) == total_row.total == 5
    assert sum(r.total for r in categories) == 5


def test_the_neighbouring_years_hold_the_edges(known_set):
    assert consultation_table(2024).grand_total == 1  # 31 March 2025 23:59
    assert consultation_table(2026).grand_total == 1  # 1 April 2026 00:00


def test_columns_are_the_routes_in_use_during_the_year(known_set):
    old = Route.objects.get(code="foster_parent")
    old.valid_to = date(2025, 3, 31)
    old.save()
    Route.objects.create(
        code="online",
        name="オンライン通告",
        group="その他",
        sort_order=999,
        valid_from=date(2026, 4, 1),
    )
    names_2025 = [c.name for c in consultation_table(2025).columns]
    assert "里親" not in names_2025 and "オンライン通告" not in names_2025
    assert "オンライン通告" in [c.name for c in consultation_table(2026).columns]


def test_the_page_shows_the_year_in_wareki_with_totals(known_set, supervisor, login):
    response = login(supervisor).get(URL, {"fiscal_year": 2025})
    assert response.status_code == 200
    body = response.content.decode()
    assert "令和7年度" in body
    assert response.context["table"].grand_total == 5
    assert "合計 5 件" in body


def test_the_current_fiscal_year_is_the_default(intake_user, login):
    response = login(intake_user).get(URL)
    assert response.status_code == 200
    assert response.context["table"].fiscal_year == 2026  # 29 November 2026
    assert "令和8年度" in response.content.decode()


@pytest.mark.parametrize("value", ["abc", "1999", "2031"])
def test_a_bad_fiscal_year_is_a_clear_message(value, supervisor, login):
    response = login(supervisor).get(URL, {"fiscal_year": value})
    assert response.status_code == 400
    assert "年度" in response.context["form"].errors["fiscal_year"][0]


def test_csv_has_a_bom_and_the_same_totals_and_no_reporter(known_set, supervisor, login):
    response = login(supervisor).get(URL, {"fiscal_year": 2025, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="consultations_FY2025.csv"' in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][0].startswith("令和7年度")
    assert rows[1][:2] == ["区分", "相談種別"] and rows[1][-1] == "合計"
    assert rows[-1][0] == "合計" and rows[-1][-1] == "5"
    assert "近所 花子" not in raw.decode("utf-8-sig")


def test_xlsx_opens_with_the_same_table(known_set, supervisor, login):
    from openpyxl import load_workbook

    response = login(supervisor).get(URL, {"fiscal_year": 2025, "format": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "令和7年度"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[-1][0] == "合計" and rows[-1][-1] == 5
    values = {str(v) for row in rows for v in row if v is not None}
    assert not any("近所" in v for v in values)


STATS_ACCESS = {
    "intake_user": 200,
    "supervisor": 200,
    "other_supervisor": 200,
    "auditor": 200,
    "caseworker": 403,
    "coworker": 403,
    "other_worker": 403,
    "shelter_user": 403,
    "foster_user": 403,
    "admin_user": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize(("name", "expected"), STATS_ACCESS.items())
def test_statistics_answer_each_persona(name, expected, persona, login):
    assert login(persona(name)).get(URL).status_code == expected


def test_statistics_count_through_one_aggregate_query(known_set, django_assert_num_queries):
    with django_assert_num_queries(2):  # the GROUP BY, and the routes for the columns
        table = consultation_table(2025)
    assert (
        table.grand_total
        == Consultation.objects.filter(
            received_at__gte=tokyo(2025, 4, 1), received_at__lt=tokyo(2026, 4, 1)
        ).count()
    )


def test_the_fiscal_year_is_picked_by_its_wareki_name(supervisor, login):
    """Issue 12 item 7: the page asked for a 西暦 year typed in."""
    body = login(supervisor).get(URL, {"fiscal_year": 2025}).content.decode()
    assert '<option value="2025" selected>令和7年度（2025年度）</option>' in body
    assert "西暦" not in body
