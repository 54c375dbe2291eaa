"""和暦 (Japanese era) formatting for display: 令和7年12月19日（金）."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

ERAS: tuple[tuple[date, str, str, int], ...] = (
    # (first day in the Gregorian calendar, name, initial, the era's first Western year)
    (date(2019, 5, 1), "令和", "R", 2019),
    (date(1989, 1, 8), "平成", "H", 1989),
    (date(1926, 12, 25), "昭和", "S", 1926),
    (date(1912, 7, 30), "大正", "T", 1912),
    # Japan adopted the Gregorian calendar on 明治6年1月1日: earlier dates are not shown in 和暦.
    (date(1873, 1, 1), "明治", "M", 1868),
)
WEEKDAYS = "月火水木金土日"

# The dates the product accepts and can show (issue 8): 明治6年1月1日 to the end of 2100.
FIRST_DAY = date(1873, 1, 1)
LAST_DAY = date(2100, 12, 31)


def era_of(day: date) -> tuple[str, str, int]:
    """(era name, initial, year within era) for a date from 1 January 1873."""
    for start, name, initial, first_year in ERAS:
        if day >= start:
            return name, initial, day.year - first_year + 1
    raise ValueError("明治6年より前の日付は和暦で表示できません。")


def _year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def wareki(value: date | datetime, *, weekday: bool = True) -> str:
    day = _as_date(value)
    name, _initial, year = era_of(day)
    text = f"{name}{_year_text(year)}年{day.month}月{day.day}日"
    if weekday:
        text += f"（{WEEKDAYS[day.weekday()]}）"
    return text


def wareki_safe(value: date | datetime, *, weekday: bool = True, western: bool = False) -> str:
    """和暦 for display that never raises: a date outside the eras shows in the Western form."""
    day = _as_date(value)
    try:
        text = wareki(day, weekday=weekday)
    except ValueError:
        return day.isoformat()
    return f"{text} {day.isoformat()}" if western else text


def _fiscal_era_day(fiscal_year: int) -> date:
    """A fiscal year is named by the era in use for (nearly) all of it: FY2019 began in
    平成31年 but is 令和元年度 (the era changed on 1 May 2019)."""
    return date(fiscal_year, 5, 1)


def fiscal_year_label(fiscal_year: int) -> str:
    """令和7年度 for fiscal year 2025 (1 April 2025 – 31 March 2026)."""
    try:
        name, _initial, year = era_of(_fiscal_era_day(fiscal_year))
    except (ValueError, OverflowError):
        return f"{fiscal_year}年度"
    return f"{name}{_year_text(year)}年度"


def era_initial_year(fiscal_year: int) -> str:
    """R7 for fiscal year 2025: the prefix of case numbers."""
    try:
        _name, initial, year = era_of(_fiscal_era_day(fiscal_year))
    except (ValueError, OverflowError):
        return str(fiscal_year)
    return f"{initial}{year}"
