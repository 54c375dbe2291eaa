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


# DOMAIN §6 (学校教育法17条, 年齢計算ニ関スル法律): born on or before 1 April of year Y → primary
# school on 1 April Y+6; born from 2 April → 1 April Y+7. Junior high: six years later.
@pytest.mark.parametrize(
    ("birth", "primary", "junior_high"),
    [
        (date(2019, 4, 1), date(2025, 4, 1), date(2031, 4, 1)),  # 早生まれ: the 1 April boundary
        (date(2019, 4, 2), date(2026, 4, 1), date(2032, 4, 1)),
        (date(2019, 1, 1), date(2025, 4, 1), date(2031, 4, 1)),
        (date(2019, 12, 31), date(2026, 4, 1), date(2032, 4, 1)),
        (date(2020, 2, 29), date(2026, 4, 1), date(2032, 4, 1)),
        (date(2020, 3, 31), date(2026, 4, 1), date(2032, 4, 1)),
    ],
)
def test_school_entry_follows_the_1_april_rule(birth, primary, junior_high):
    assert rules.primary_school_entry(birth) == primary
    assert rules.junior_high_entry(birth) == junior_high


@pytest.mark.parametrize(
    ("birth", "on", "school_age"),
    [
        (date(2019, 4, 1), date(2025, 3, 31), False),
        (date(2019, 4, 1), date(2025, 4, 1), True),  # six on 1 April: a first-year pupil
        (date(2019, 4, 2), date(2026, 3, 31), False),  # six years old, not yet at school
        (date(2019, 4, 2), date(2026, 4, 1), True),
    ],
)
def test_school_age_is_from_the_day_of_primary_entry(birth, on, school_age):
    assert rules.is_school_age(birth, on) is school_age


# DOMAIN §6 (the centre leaflet): re-judgment at 3 (the birthday), 6 (primary entry), 12
# (junior-high entry) and 18 (the birthday: a referral to the Tokyo centre).
@pytest.mark.parametrize(
    ("birth", "expected"),
    [
        (
            date(2019, 8, 3),
            {3: date(2022, 8, 3), 6: date(2026, 4, 1), 12: date(2032, 4, 1), 18: date(2037, 8, 3)},
        ),
        (
            date(2019, 4, 1),
            {3: date(2022, 4, 1), 6: date(2025, 4, 1), 12: date(2031, 4, 1), 18: date(2037, 4, 1)},
        ),
        (  # born on 29 February: reaches an age on 1 March in a common year
            date(2020, 2, 29),
            {3: date(2023, 3, 1), 6: date(2026, 4, 1), 12: date(2032, 4, 1), 18: date(2038, 3, 1)},
        ),
        (
            date(2008, 2, 29),
            {3: date(2011, 3, 1), 6: date(2014, 4, 1), 12: date(2020, 4, 1), 18: date(2026, 3, 1)},
        ),
    ],
)
def test_handbook_rejudgment_dates(birth, expected):
    assert rules.handbook_rejudgment_dates(birth) == expected


# DOMAIN §4: 準抗告 within 3 days of the refusal; the day in care counts the start day as day 1.
@pytest.mark.parametrize(
    ("refused", "last"),
    [(date(2026, 6, 1), date(2026, 6, 4)), (date(2026, 12, 30), date(2027, 1, 2))],
)
def test_appeal_due(refused, last):
    assert rules.appeal_due(refused) == last


@pytest.mark.parametrize(
    ("start", "on", "day"),
    [(date(2026, 6, 1), date(2026, 6, 1), 1), (date(2026, 6, 1), date(2026, 7, 31), 61)],
)
def test_days_in_care(start, on, day):
    assert rules.days_in_care(start, on) == day


# DOMAIN §6: the next regular re-judgment is the first age date after the last judgment.
@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (date(2021, 5, 1), (3, date(2022, 8, 3))),  # judged at 1: next at 3
        (date(2022, 8, 3), (6, date(2026, 4, 1))),  # judged on the 3rd birthday: next at 6
        (date(2026, 3, 31), (6, date(2026, 4, 1))),
        (date(2026, 4, 1), (12, date(2032, 4, 1))),
        (date(2032, 6, 1), (18, date(2037, 8, 3))),  # at 18: the referral
        (date(2037, 8, 3), None),
    ],
)
def test_next_handbook_judgment(last, expected):
    assert rules.next_handbook_judgment(date(2019, 8, 3), last) == expected


# A judgment made in the reminder's lead time before a date is that date's re-judgment, early.
@pytest.mark.parametrize(
    ("last", "early", "expected"),
    [
        (date(2022, 6, 1), 90, (6, date(2026, 4, 1))),  # 63 days before the 3rd birthday
        (date(2022, 4, 1), 90, (3, date(2022, 8, 3))),  # 124 days before: not yet
        (date(2026, 1, 15), 90, (12, date(2032, 4, 1))),
    ],
)
def test_a_judgment_in_the_lead_time_counts_for_the_coming_date(last, early, expected):
    assert rules.next_handbook_judgment(date(2019, 8, 3), last, early) == expected


# DOMAIN §5: a registration is valid 5 years (養育里親) or 2 years (専門里親); 親族里親 until the
# placement ends (no expiry); 養子縁組里親 configurable, default 5 years. The date returned is
# the last valid day: a period of years ends the day before the same date (民法143条).
@pytest.mark.parametrize(
    ("registered", "foster_type", "expires"),
    [
        (date(2026, 4, 1), "nurturing", date(2031, 3, 31)),
        (date(2026, 12, 2), "nurturing", date(2031, 12, 1)),
        (date(2026, 1, 1), "nurturing", date(2030, 12, 31)),
        (date(2026, 4, 1), "specialist", date(2028, 3, 31)),
        (date(2026, 3, 1), "specialist", date(2028, 2, 29)),  # 2028 is a leap year
        (date(2024, 2, 29), "specialist", date(2026, 2, 28)),  # no 29 Feb: end of February
        (date(2024, 2, 29), "nurturing", date(2029, 2, 28)),
        (date(2026, 4, 1), "adoptive", date(2031, 3, 31)),  # the setting's default: 5 years
        (date(2026, 4, 1), "kinship", None),  # until the placement ends
    ],
)
def test_foster_registration_expiry(registered, foster_type, expires):
    assert rules.foster_registration_expiry(registered, foster_type) == expires


def test_adoptive_foster_registration_follows_its_setting(settings):
    settings.MIMAMORI_ADOPTIVE_FOSTER_YEARS = 3
    assert rules.foster_registration_expiry(date(2026, 4, 1), "adoptive") == date(2029, 3, 31)
    assert rules.foster_registration_expiry(date(2026, 4, 1), "adoptive", adoptive_years=2) == (
        date(2028, 3, 31)
    )


# DOMAIN §5: each registration is renewed (after 更新研修); the new period follows the old one.
@pytest.mark.parametrize(
    ("expiry", "foster_type", "renewed"),
    [
        (date(2031, 3, 31), "nurturing", date(2036, 3, 31)),
        (date(2028, 3, 31), "specialist", date(2030, 3, 31)),
        (date(2028, 2, 28), "specialist", date(2030, 2, 28)),
    ],
)
def test_foster_renewal_continues_from_the_day_after_the_last_valid_day(
    expiry, foster_type, renewed
):
    assert rules.foster_renewal_expiry(expiry, foster_type) == renewed


def test_an_unknown_foster_type_is_refused():
    with pytest.raises(ValueError):
        rules.foster_registration_expiry(date(2026, 4, 1), "weekend")
