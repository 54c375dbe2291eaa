"""和暦 (Japanese era) formatting for display: 令和7年12月19日（金）."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

ERAS: tuple[tuple[date, str, str], ...] = (
    (date(2019, 5, 1), "令和", "R"),
    (date(1989, 1, 8), "平成", "H"),
    (date(1926, 12, 25), "昭和", "S"),
)
WEEKDAYS = "月火水木金土日"


def era_of(day: date) -> tuple[str, str, int]:
    """(era name, initial, year within era) for a date."""
    for start, name, initial in ERAS:
        if day >= start:
            return name, initial, day.year - start.year + 1
    raise ValueError("昭和より前の日付は表示できません。")


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


def _fiscal_era_day(fiscal_year: int) -> date:
    """A fiscal year is named by the era in use for (nearly) all of it: FY2019 began in
    平成31年 but is 令和元年度 (the era changed on 1 May 2019)."""
    return date(fiscal_year, 5, 1)


def fiscal_year_label(fiscal_year: int) -> str:
    """令和7年度 for fiscal year 2025 (1 April 2025 – 31 March 2026)."""
    name, _initial, year = era_of(_fiscal_era_day(fiscal_year))
    return f"{name}{_year_text(year)}年度"


def era_initial_year(fiscal_year: int) -> str:
    """R7 for fiscal year 2025: the prefix of case numbers."""
    _name, initial, year = era_of(_fiscal_era_day(fiscal_year))
    return f"{initial}{year}"
