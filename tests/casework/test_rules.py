"""Table tests for the date and age rules, each citing DOMAIN.md."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from casework import rules

TOKYO = ZoneInfo("Asia/Tokyo")


# DOMAIN §8: towns to districts (台場 is its own district; 三田/海岸 split by 丁目).
@pytest.mark.parametrize(
    ("town", "district"),
    [
        ("三田4丁目", "高輪"),
        ("三田1丁目", "芝"),
        ("海岸1丁目", "芝"),
        ("海岸3丁目", "芝浦港南"),
        ("台場", "台場"),
        ("六本木", "麻布"),
        ("南青山", "赤坂"),
        ("白金台", "高輪"),
        ("渋谷", "区外"),
    ],
)
def test_district_for_town(town, district):
    assert rules.district_for_town(town) == district


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [(date(2025, 4, 1), 2025), (date(2026, 3, 31), 2025), (date(2026, 1, 1), 2025)],
)
def test_fiscal_year_runs_april_to_march(day, fiscal_year):
    assert rules.fiscal_year_of(day) == fiscal_year


# DOMAIN §6: a child reaches an age on the birthday; 29 Feb birthdays on 1 March in common years.
@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2010, 5, 10), date(2028, 5, 9), 17),
        (date(2010, 5, 10), date(2028, 5, 10), 18),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_on(birth, on, age):
    assert rules.age_on(birth, on) == age


# DOMAIN §1: 児童 under 18 (児童福祉法4条); 触法 under 14 at the time of the act (刑法41条).
@pytest.mark.parametrize(
    ("birth", "on", "child", "shoho"),
    [
        (date(2012, 6, 1), date(2026, 5, 31), True, True),  # 13 the day before the birthday
        (date(2012, 6, 1), date(2026, 6, 1), True, False),  # 14 on the birthday
        (date(2008, 11, 30), date(2026, 11, 29), True, False),  # 17
        (date(2008, 11, 29), date(2026, 11, 29), False, False),  # 18 today
    ],
)
def test_child_and_shoho_ages(birth, on, child, shoho):
    assert rules.is_child(birth, on) is child
    assert rules.shoho_applies(birth, on) is shoho


# DOMAIN §3: 48 hours from the moment of receipt, through nights, month ends and leap days.
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 11, 29, 23, 30, tzinfo=TOKYO), datetime(2026, 12, 1, 23, 30, tzinfo=TOKYO)),
        (datetime(2026, 1, 30, 22, 0, tzinfo=TOKYO), datetime(2026, 2, 1, 22, 0, tzinfo=TOKYO)),
        (datetime(2028, 2, 28, 9, 15, tzinfo=TOKYO), datetime(2028, 3, 1, 9, 15, tzinfo=TOKYO)),
        (datetime(2027, 2, 28, 9, 15, tzinfo=TOKYO), datetime(2027, 3, 2, 9, 15, tzinfo=TOKYO)),
        (datetime(2026, 12, 31, 0, 0, tzinfo=TOKYO), datetime(2027, 1, 2, 0, 0, tzinfo=TOKYO)),
        # Received at 15:00 UTC = 00:00 next day in Tokyo; due shown in Tokyo time.
        (datetime(2026, 3, 31, 15, 0, tzinfo=UTC), datetime(2026, 4, 3, 0, 0, tzinfo=TOKYO)),
    ],
)
def test_safety_check_due_is_48_hours_after_receipt(received, due):
    result = rules.safety_check_due(received)
    assert result == due
    assert result.tzinfo == TOKYO


def test_safety_check_due_refuses_a_naive_time():
    with pytest.raises(ValueError):
        rules.safety_check_due(datetime(2026, 11, 29, 10, 0))  # noqa: DTZ001


# DOMAIN §4: warrant request within 7 days, the start day counted as day 1.
@pytest.mark.parametrize(
    ("started", "due"),
    [
        (date(2026, 6, 1), date(2026, 6, 7)),
        (date(2026, 12, 28), date(2027, 1, 3)),
        (date(2028, 2, 25), date(2028, 3, 2)),
    ],
)
def test_warrant_request_due(started, due):
    assert rules.warrant_request_due(started) == due


# DOMAIN §4 examples, exactly: 1 June → 31 July; 20 January → 19 March; 31 January → 30 March;
# 31 December → 28 February (29 in a leap year).
@pytest.mark.parametrize(
    ("started", "limit"),
    [
        (date(2026, 6, 1), date(2026, 7, 31)),
        (date(2026, 1, 20), date(2026, 3, 19)),
        (date(2026, 1, 31), date(2026, 3, 30)),
        (date(2026, 12, 31), date(2027, 2, 28)),
        (date(2027, 12, 31), date(2028, 2, 29)),
        (date(2026, 12, 30), date(2027, 2, 28)),
        (date(2027, 12, 29), date(2028, 2, 28)),
        (date(2026, 11, 1), date(2026, 12, 31)),
    ],
)
def test_protection_limit(started, limit):
    assert rules.protection_limit(started) == limit


def test_next_extension_period_starts_the_day_after():
    assert rules.next_extension_period(date(2026, 7, 31)) == (date(2026, 8, 1), date(2026, 9, 30))
    assert rules.next_extension_period(date(2027, 2, 28)) == (date(2027, 3, 1), date(2027, 4, 30))
