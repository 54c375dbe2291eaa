"""A stay's clock: days in care and its legal deadlines on a given day (DOMAIN §4).

The date arithmetic itself lives in casework/rules.py (warrant_request_due, protection_limit,
next_extension_period); this module only decides which deadline applies to a stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from casework import rules
from shelter.choices import AppealResult, WarrantResult

APPEAL_DAYS = rules.APPEAL_DAYS  # 準抗告: within 3 days of the refusal (DOMAIN §4)
WARRANT_SOON_DAYS = 2
LIMIT_SOON_DAYS = 14  # "warn well before both deadlines"


@dataclass(frozen=True)
class StayClock:
    today: date
    day_in_care: int  # the start day is day 1
    warrant_label: str
    warrant_due: date | None  # last day to request the 一時保護状, while a request is owed
    appeal_due: date | None  # last day to appeal a refusal, while a discharge is owed
    needs_discharge: bool  # refused and no appeal pending or granted: protection must end
    limit: date  # last day of the current period (two months, or the approved extension)
    extension_pending: bool
    extensions: int  # approved extensions so far
    active: bool = True  # an ended stay owes nothing

    @property
    def warrant_overdue(self) -> bool:
        return self.warrant_due is not None and self.today > self.warrant_due

    @property
    def limit_overdue(self) -> bool:
        # While the family court considers an extension filed in time, protection may continue.
        return self.active and self.today > self.limit and not self.extension_pending

    @property
    def days_to_limit(self) -> int:
        return (self.limit - self.today).days

    @property
    def alert(self) -> bool:
        return self.warrant_overdue or self.needs_discharge or self.limit_overdue

    @property
    def soon(self) -> bool:
        if not self.active:
            return False
        warrant_soon = self.warrant_due is not None and (
            (self.warrant_due - self.today).days < WARRANT_SOON_DAYS
        )
        return warrant_soon or self.days_to_limit < LIMIT_SOON_DAYS


def current_limit(started_on: date, extensions) -> date:
    """The end of the latest approved period, else two months from the start."""
    ends = [e.period_end for e in extensions if e.approved]
    return max(ends, default=rules.protection_limit(started_on))


def _warrant(stay, today: date) -> tuple[str, date | None, date | None, bool]:
    """(label, warrant due, appeal due, discharge owed) for an active stay."""
    if stay.parental_consent:
        return "親権者等の同意あり（令状不要）", None, None, False
    if stay.warrant_result == WarrantResult.GRANTED:
        return "一時保護状 発付", None, None, False
    if stay.warrant_result == WarrantResult.REFUSED:
        if stay.appeal_result == AppealResult.GRANTED:
            return "準抗告 認容（保護継続）", None, None, False
        if stay.appeal_result == AppealResult.REFUSED:
            return "準抗告 棄却：保護の解除が必要", None, None, True
        if stay.appeal_on:
            return "準抗告中（判断待ち）", None, None, False
        appeal_due = rules.appeal_due(stay.warrant_decided_on)
        return "一時保護状 却下：解除または準抗告が必要", None, appeal_due, True
    if stay.warrant_requested_on:
        return "一時保護状 請求済（判断待ち）", None, None, False
    return "一時保護状 未請求", rules.warrant_request_due(stay.started_on), None, False


def stay_clock(stay, today: date | None = None) -> StayClock:
    """Uses `stay.extensions.all()`: prefetch it when clocking many stays."""
    today = today or timezone.localdate()
    extensions = list(stay.extensions.all())
    limit = current_limit(stay.started_on, extensions)
    if stay.ended_on is not None:
        return StayClock(
            today=today,
            day_in_care=rules.days_in_care(stay.started_on, stay.ended_on),
            warrant_label="保護解除済み",
            warrant_due=None,
            appeal_due=None,
            needs_discharge=False,
            limit=limit,
            extension_pending=False,
            extensions=sum(1 for e in extensions if e.approved),
            active=False,
        )
    label, warrant_due, appeal_due, needs_discharge = _warrant(stay, today)
    return StayClock(
        today=today,
        day_in_care=rules.days_in_care(stay.started_on, today),
        warrant_label=label,
        warrant_due=warrant_due,
        appeal_due=appeal_due,
        needs_discharge=needs_discharge,
        limit=limit,
        extension_pending=any(e.approved is None for e in extensions),
        extensions=sum(1 for e in extensions if e.approved),
    )
