"""和暦 display (UI.md) and deadline wording."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.templatetags.wareki import deadline, time_left_words
from casework.wareki import era_initial_year, fiscal_year_label, wareki

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2025, 12, 19), "令和7年12月19日（金）"),
        (date(2019, 5, 1), "令和元年5月1日（水）"),
        (date(2019, 4, 30), "平成31年4月30日（火）"),
        (date(1989, 1, 8), "平成元年1月8日（日）"),
        (date(1989, 1, 7), "昭和64年1月7日（土）"),
    ],
)
def test_wareki(day, text):
    assert wareki(day) == text


def test_wareki_uses_tokyo_time_for_datetimes():
    # 2025-12-19 15:30 UTC is already 20 December in Tokyo.
    utc = datetime(2025, 12, 19, 15, 30, tzinfo=ZoneInfo("UTC"))
    assert wareki(utc) == "令和7年12月20日（土）"


@pytest.mark.parametrize(
    ("fiscal_year", "label", "prefix"),
    [(2025, "令和7年度", "R7"), (2019, "令和元年度", "R1"), (2018, "平成30年度", "H30")],
)
def test_fiscal_year_labels(fiscal_year, label, prefix):
    assert fiscal_year_label(fiscal_year) == label
    assert era_initial_year(fiscal_year) == prefix


@pytest.mark.parametrize(
    ("delta", "text", "overdue"),
    [
        (timedelta(hours=5, minutes=12), "あと 5時間12分", False),
        (timedelta(minutes=9), "あと 9分", False),
        (timedelta(days=1, hours=3), "あと 1日3時間", False),
        (timedelta(days=-3), "3日超過", True),
        (timedelta(hours=-2, minutes=-30), "2時間30分超過", True),
    ],
)
def test_time_left_words(delta, text, overdue):
    assert time_left_words(delta) == (text, overdue)


def test_overdue_deadline_says_so_in_words_not_only_colour():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=TOKYO)
    html = deadline(now - timedelta(hours=1), now=now)
    assert "期限超過" in html and "deadline--overdue" in html


def test_a_date_deadline_runs_to_the_end_of_that_day_in_tokyo():
    now = datetime(2026, 11, 29, 23, 0, tzinfo=TOKYO)
    assert "あと 1時間0分" in deadline(date(2026, 11, 29), now=now)


def test_django_strings_missing_from_its_catalogue_are_japanese():
    from django.utils import translation

    with translation.override("ja"):
        assert translation.gettext("- Select an option -") == "選んでください"
