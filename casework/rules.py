"""Legal and practical date rules as pure functions, each tested against DOMAIN.md.

Nothing here touches the database or the clock: callers pass the dates in.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from casework.choices import DISTRICT_TOWNS, OUTSIDE_WARD, FosterType

TOKYO = ZoneInfo("Asia/Tokyo")

_TOWN_TO_DISTRICT = {town: district for district, towns in DISTRICT_TOWNS.items() for town in towns}


def district_for_town(town: str) -> str:
    """The district (地区) of a Minato town, DOMAIN §8; 「区外」 for anywhere else.

    「三田4丁目」→「高輪」, 「海岸1丁目」→「芝」, 「海岸3丁目」→「芝浦港南」.
    """
    return _TOWN_TO_DISTRICT.get(town, OUTSIDE_WARD)


def fiscal_year_of(day: date) -> int:
    """Japanese fiscal year (April–March), by the year it starts: 2026-03-31 → 2025."""
    return day.year if day.month >= 4 else day.year - 1


def birthday_in(birth: date, years: int) -> date:
    """The day a child reaches `years` (DOMAIN §6): the birthday; a child born on 29 February
    reaches it on 1 March in a common year."""
    year = birth.year + years
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth.replace(year=year)


def age_on(birth: date, on: date) -> int:
    """Completed years on a date. A child reaches an age on the birthday; one born on
    29 February reaches it on 1 March in a common year (DOMAIN §6)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


# --- ages (DOMAIN §1) --------------------------------------------------------------------

CHILD_AGE_LIMIT = 18  # 児童福祉法4条: a 児童 is under 18
SHOHO_AGE_LIMIT = 14  # 刑法41条: 触法 applies to an act by a child under 14


def is_child(birth: date, on: date) -> bool:
    """Under 18 on the given day (児童福祉法4条)."""
    return age_on(birth, on) < CHILD_AGE_LIMIT


def shoho_applies(birth: date, act_on: date) -> bool:
    """触法行為等相談 needs a child under 14 at the time of the act (刑法41条)."""
    return age_on(birth, act_on) < SHOHO_AGE_LIMIT


# --- school entry and 愛の手帳 (DOMAIN §6) -------------------------------------------------

SCHOOL_YEAR_START = (4, 1)  # the school year begins on 1 April


def primary_school_entry(birth_date: date) -> date:
    """1 April on which the child enters primary school (学校教育法17条; 年齢計算ニ関スル法律):
    born on or before 1 April of year Y → 1 April of Y+6; born from 2 April → 1 April of Y+7."""
    years = 6 if (birth_date.month, birth_date.day) <= SCHOOL_YEAR_START else 7
    return date(birth_date.year + years, *SCHOOL_YEAR_START)


def junior_high_entry(birth_date: date) -> date:
    """1 April on which the child enters junior high school: six years after primary entry."""
    entry = primary_school_entry(birth_date)
    return entry.replace(year=entry.year + 6)


def is_school_age(birth_date: date, on: date) -> bool:
    """Primary-school age or older on the day (rooms marked 学齢; DOMAIN §4, §6 1 April rule)."""
    return on >= primary_school_entry(birth_date)


HANDBOOK_AGES = (3, 6, 12, 18)


def handbook_rejudgment_dates(birth_date: date) -> dict[int, date]:
    """When a child's 愛の手帳 is re-judged (DOMAIN §6, the centre leaflet): the 3rd birthday;
    1 April of primary entry (6); 1 April of junior-high entry (12); the 18th birthday, when the
    re-judgment is a referral to 東京都心身障害者福祉センター."""
    return {
        3: birthday_in(birth_date, 3),
        6: primary_school_entry(birth_date),
        12: junior_high_entry(birth_date),
        18: birthday_in(birth_date, 18),
    }


def next_handbook_judgment(
    birth_date: date, last_judged_on: date, early_days: int = 0
) -> tuple[int, date] | None:
    """The next regular re-judgment after the last judgment: (age, due date) — the first of
    the 3-, 6-, 12- and 18-year dates after it (at 18, a referral to the Tokyo centre); None
    once the 18-year date has passed it (DOMAIN §6). A judgment made within `early_days` before
    a date (the reminder's lead time) is that date's re-judgment, done early."""
    for age, due in sorted(handbook_rejudgment_dates(birth_date).items()):
        if due - timedelta(days=early_days) > last_judged_on:
            return age, due
    return None


# --- abuse reports (DOMAIN §3) ------------------------------------------------------------

SAFETY_CHECK_HOURS = 48


def safety_check_due(received_at: datetime) -> datetime:
    """Safety confirmation is due 48 hours after the report is received (民法139条: in hours,
    from the moment; through nights and holidays). Returned aware, in Asia/Tokyo."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    return (received_at + timedelta(hours=SAFETY_CHECK_HOURS)).astimezone(TOKYO)


# --- temporary protection (DOMAIN §4, "Date arithmetic — exactly") ------------------------

WARRANT_REQUEST_DAYS = 7


def warrant_request_due(started_on: date) -> date:
    """Last day to request the 一時保護状: 7 days counting the start day as day 1."""
    return started_on + timedelta(days=WARRANT_REQUEST_DAYS - 1)


APPEAL_DAYS = 3


def appeal_due(refused_on: date) -> date:
    """Last day to appeal (準抗告) a refused 一時保護状: within 3 days of the refusal, counted
    from the next day (民法140条: the first day is not counted), DOMAIN §4."""
    return refused_on + timedelta(days=APPEAL_DAYS)


def days_in_care(started_on: date, on: date) -> int:
    """The day of protection `on` is, the start day being day 1 (DOMAIN §4: 初日を含む)."""
    return (on - started_on).days + 1


def add_months_period_end(start: date, months: int) -> date:
    """Last day of a period of `months` months that starts on (and includes) `start`.

    It ends the day before the same-numbered day `months` months later; where that month has
    no such day, on the last day of that month (民法143条).
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return date(year, month, last_day)
    return date(year, month, start.day) - timedelta(days=1)


def protection_limit(started_on: date) -> date:
    """Last day of the two months of temporary protection (児童福祉法33条; DOMAIN §4):
    1 June → 31 July; 20 January → 19 March; 31 January → 30 March; 31 December → 28/29 Feb."""
    return add_months_period_end(started_on, 2)


def next_extension_period(previous_end: date) -> tuple[date, date]:
    """A further two-month period, from the day after the previous period ended."""
    start = previous_end + timedelta(days=1)
    return start, protection_limit(start)


# --- foster registration (DOMAIN §5) --------------------------------------------------------

FOSTER_REGISTRATION_YEARS = {FosterType.NURTURING: 5, FosterType.SPECIALIST: 2}


def foster_registration_expiry(
    registered_on: date, foster_type: str, *, adoptive_years: int | None = None
) -> date | None:
    """The last valid day of a foster registration that starts on `registered_on` (DOMAIN §5):
    養育里親 5 years, 専門里親 2 years, 養子縁組里親 `adoptive_years` (configurable, the
    setting MIMAMORI_ADOPTIVE_FOSTER_YEARS, default 5); 親族里親 None — it lasts until the
    placement ends. A period of years ends the day before the same date (民法143条);
    registered on 29 February, it ends on the last day of February."""
    if foster_type == FosterType.KINSHIP:
        return None
    if foster_type == FosterType.ADOPTIVE:
        if adoptive_years is None:
            from django.conf import settings

            adoptive_years = settings.MIMAMORI_ADOPTIVE_FOSTER_YEARS
        years = adoptive_years
    elif foster_type in FOSTER_REGISTRATION_YEARS:
        years = FOSTER_REGISTRATION_YEARS[foster_type]
    else:
        raise ValueError(f"unknown foster type {foster_type!r}")
    return add_months_period_end(registered_on, years * 12)


def foster_renewal_expiry(current_expiry: date, foster_type: str) -> date | None:
    """A renewal continues the registration from the day after its last valid day."""
    return foster_registration_expiry(current_expiry + timedelta(days=1), foster_type)
