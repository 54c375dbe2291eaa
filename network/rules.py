"""The review cycle of the register as pure date functions (DOMAIN §10: every registered case is
reviewed at each periodic 実務者会議, commonly every 3 months; the interval is configurable)."""

from __future__ import annotations

import calendar
from datetime import date

from django.conf import settings


def review_interval_months() -> int:
    """MIMAMORI_NETWORK_REVIEW_MONTHS (default 3, DOMAIN §10)."""
    return int(getattr(settings, "MIMAMORI_NETWORK_REVIEW_MONTHS", 3))


def add_months(day: date, months: int) -> date:
    """The same day `months` months later; where that month is shorter, its last day
    (11-30 + 3 months → 02-28, or 02-29 in a leap year)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_review(reviewed_on: date, months: int | None = None) -> date:
    """When an entry reviewed on `reviewed_on` is next due for review (DOMAIN §10)."""
    return add_months(reviewed_on, review_interval_months() if months is None else months)


def is_due(next_review_on: date, session_on: date) -> bool:
    """An open entry is on a session's agenda when its review falls due by the session's day."""
    return next_review_on <= session_on
