"""A stay's clock: which deadline applies, counted as DOMAIN.md §4 "Date arithmetic — exactly".

The date functions themselves are table-tested in tests/casework/test_rules.py.
"""

from dataclasses import dataclass, field
from datetime import date

import pytest

from shelter.clock import stay_clock


@dataclass
class FakeExtensions:
    items: list

    def all(self):
        return self.items


@dataclass
class Ext:
    period_start: date
    period_end: date
    approved: bool | None


@dataclass
class FakeStay:
    started_on: date
    parental_consent: bool = False
    warrant_requested_on: date | None = None
    warrant_decided_on: date | None = None
    warrant_result: str = ""
    appeal_on: date | None = None
    appeal_result: str = ""
    ended_on: date | None = None
    ext: list = field(default_factory=list)

    @property
    def extensions(self):
        return FakeExtensions(self.ext)


JUNE_1 = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("today", "day"),
    [(date(2026, 6, 1), 1), (date(2026, 6, 7), 7), (date(2026, 7, 31), 61)],
)
def test_days_in_care_count_the_start_day_as_day_one(today, day):
    assert stay_clock(FakeStay(JUNE_1), today).day_in_care == day


def test_warrant_is_due_on_the_seventh_day_counting_the_start_day():
    """「一時保護を開始した日（初日を含む）から起算して7日以内」: 1 June → 7 June (DOMAIN §4)."""
    clock = stay_clock(FakeStay(JUNE_1), date(2026, 6, 7))
    assert clock.warrant_due == date(2026, 6, 7)
    assert not clock.warrant_overdue
    late = stay_clock(FakeStay(JUNE_1), date(2026, 6, 8))
    assert late.warrant_overdue and late.alert


@pytest.mark.parametrize(
    "stay",
    [
        FakeStay(JUNE_1, parental_consent=True),
        FakeStay(JUNE_1, warrant_requested_on=date(2026, 6, 3)),
        FakeStay(
            JUNE_1,
            warrant_requested_on=date(2026, 6, 3),
            warrant_decided_on=date(2026, 6, 4),
            warrant_result="granted",
        ),
    ],
    ids=["consent", "requested", "granted"],
)
def test_no_warrant_is_due_with_consent_or_once_requested(stay):
    clock = stay_clock(stay, date(2026, 6, 20))
    assert clock.warrant_due is None
    assert not clock.warrant_overdue


def test_a_refusal_owes_a_discharge_until_an_appeal_is_recorded():
    refused = FakeStay(
        JUNE_1,
        warrant_requested_on=date(2026, 6, 3),
        warrant_decided_on=date(2026, 6, 5),
        warrant_result="refused",
    )
    clock = stay_clock(refused, date(2026, 6, 5))
    assert clock.needs_discharge and clock.appeal_due == date(2026, 6, 8)
    refused.appeal_on = date(2026, 6, 6)
    assert not stay_clock(refused, date(2026, 6, 6)).needs_discharge
    refused.appeal_result = "granted"
    assert not stay_clock(refused, date(2026, 6, 9)).needs_discharge
    refused.appeal_result = "refused"
    assert stay_clock(refused, date(2026, 6, 9)).needs_discharge


@pytest.mark.parametrize(
    ("started", "limit"),
    [
        (date(2026, 6, 1), date(2026, 7, 31)),
        (date(2026, 1, 20), date(2026, 3, 19)),
        (date(2026, 1, 31), date(2026, 3, 30)),
        (date(2025, 12, 31), date(2026, 2, 28)),
        (date(2027, 12, 31), date(2028, 2, 29)),
    ],
)
def test_two_month_limit_follows_the_domain_examples(started, limit):
    """DOMAIN §4: 1 June → 31 July; 20 Jan → 19 Mar; 31 Jan → 30 Mar; 31 Dec → 28/29 Feb."""
    clock = stay_clock(FakeStay(started, parental_consent=True), started)
    assert clock.limit == limit


def test_an_approved_extension_moves_the_limit_and_a_pending_one_holds_it():
    stay = FakeStay(JUNE_1, parental_consent=True)
    stay.ext = [Ext(date(2026, 8, 1), date(2026, 9, 30), None)]
    pending = stay_clock(stay, date(2026, 8, 5))
    assert pending.limit == date(2026, 7, 31)
    assert pending.extension_pending and not pending.limit_overdue
    stay.ext[0].approved = True
    approved = stay_clock(stay, date(2026, 8, 5))
    assert approved.limit == date(2026, 9, 30) and approved.extensions == 1
    stay.ext[0].approved = False
    refused = stay_clock(stay, date(2026, 8, 5))
    assert refused.limit == date(2026, 7, 31) and refused.limit_overdue


def test_the_limit_warns_two_weeks_ahead():
    stay = FakeStay(JUNE_1, parental_consent=True)
    assert not stay_clock(stay, date(2026, 7, 17)).soon
    assert stay_clock(stay, date(2026, 7, 18)).soon


def test_an_ended_stay_owes_nothing():
    stay = FakeStay(JUNE_1, ended_on=date(2026, 6, 10))
    clock = stay_clock(stay, date(2026, 9, 1))
    assert clock.day_in_care == 10
    assert not clock.alert and clock.warrant_due is None
