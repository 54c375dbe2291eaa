"""Lockout without denial of service (django-axes handler).

A failed sign-in (a wrong password or a wrong second-factor code) is recorded once, against the
user name and the client's address. Two limits apply to those records:

- `AXES_FAILURE_LIMIT` (5) failures of one user name from one address lock that address out of
  that account for `AXES_COOLOFF_TIME`;
- `MIMAMORI_ACCOUNT_FAILURE_LIMIT` (20) failures of one user name from anywhere lock the account.

So a stranger who types five wrong passwords for a caseworker from another machine locks only
themselves out; the caseworker still signs in from their own desk. A slow guess spread over
many addresses still stops at twenty.

django-axes compares one number with one limit, so `get_failures` reports whichever count is
closer to its limit, scaled to `AXES_FAILURE_LIMIT`: the account's count times 5/20, rounded
down, reaches 5 exactly when the account reaches 20.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum


def pair_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)


def account_limit() -> int:
    return int(settings.MIMAMORI_ACCOUNT_FAILURE_LIMIT)


class PairThenAccountHandler(AxesDatabaseHandler):
    """Counts failures per (user name, address) and per user name, each against its own limit."""

    def failure_counts(self, request, credentials: dict | None = None) -> tuple[int, int]:
        """(failures of this user name from this address, failures of this user name), within
        the cool-off period."""
        username = get_client_username(request, credentials)
        if username is None:
            return 0, 0
        attempts = AccessAttempt.objects.filter(username=username)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        totals = attempts.aggregate(
            pair=Sum("failures_since_start", filter=Q(ip_address=request.axes_ip_address)),
            account=Sum("failures_since_start"),
        )
        return totals["pair"] or 0, totals["account"] or 0

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, account = self.failure_counts(request, credentials)
        return max(pair, account * pair_limit() // account_limit())

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in forgives the failures from the user's own address only: a
        stranger's failures elsewhere keep counting towards the account's limit."""
        username = get_client_username(request, credentials)
        if username is None:
            return 0
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address
        ).delete()
        return count
