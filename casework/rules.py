"""Legal and practical date rules as pure functions, each tested against DOMAIN.md.

Nothing here touches the database or the clock: callers pass the dates in.
"""

from __future__ import annotations

from datetime import date

from casework.choices import DISTRICT_TOWNS, OUTSIDE_WARD

_TOWN_TO_DISTRICT = {town: district for district, towns in DISTRICT_TOWNS.items() for town in towns}


def district_for_town(town: str) -> str:
    """The district (地区) of a Minato town, DOMAIN §8; 「区外」 for anywhere else.

    「三田4丁目」→「高輪」, 「海岸1丁目」→「芝」, 「海岸3丁目」→「芝浦港南」.
    """
    return _TOWN_TO_DISTRICT.get(town, OUTSIDE_WARD)


def fiscal_year_of(day: date) -> int:
    """Japanese fiscal year (April–March), by the year it starts: 2026-03-31 → 2025."""
    return day.year if day.month >= 4 else day.year - 1


def age_on(birth: date, on: date) -> int:
    """Completed years on a date. A child reaches an age on the birthday; one born on
    29 February reaches it on 1 March in a common year (DOMAIN §6)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years
