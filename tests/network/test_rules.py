"""The review interval as a pure date function (DOMAIN §10: every registered case is reviewed
at each periodic 実務者会議, "commonly every 3 months"; the interval is configurable)."""

from datetime import date

import pytest

from network import rules


@pytest.mark.parametrize(
    ("reviewed_on", "months", "expected"),
    [
        # DOMAIN §10: default 3 months
        (date(2026, 4, 15), None, date(2026, 7, 15)),
        # month end: the same day does not exist → the last day of that month
        (date(2026, 11, 30), None, date(2027, 2, 28)),
        (date(2027, 11, 30), None, date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), None, date(2026, 11, 30)),
        (date(2026, 12, 31), None, date(2027, 3, 31)),
        # across the year
        (date(2026, 10, 1), None, date(2027, 1, 1)),
        # another interval (local practice, the setting)
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 6, date(2026, 7, 31)),
    ],
)
def test_next_review_is_the_same_day_months_later_or_that_months_last_day(
    reviewed_on, months, expected
):
    assert rules.next_review(reviewed_on, months) == expected


def test_the_interval_is_a_setting_defaulting_to_three_months(settings):
    assert rules.review_interval_months() == 3  # DOMAIN §10
    settings.MIMAMORI_NETWORK_REVIEW_MONTHS = 2
    assert rules.next_review(date(2026, 12, 31)) == date(2027, 2, 28)


@pytest.mark.parametrize(
    ("next_review_on", "session_on", "due"),
    [
        (date(2026, 6, 1), date(2026, 6, 1), True),  # due on the day itself
        (date(2026, 5, 1), date(2026, 6, 1), True),  # overdue: still on the agenda
        (date(2026, 6, 2), date(2026, 6, 1), False),  # not yet due
    ],
)
def test_an_entry_is_due_at_a_session_on_or_after_its_review_day(next_review_on, session_on, due):
    assert rules.is_due(next_review_on, session_on) is due
