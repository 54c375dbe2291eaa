"""Benchmark (issue 11): run_reminders over 10,000 and 100,000 children with 愛の手帳 on
PostgreSQL — wall time (target under 30 s at 100,000) and peak memory (flat as the count grows).
Numbers are printed, never asserted: `make bench`."""

from __future__ import annotations

import io
import os
import random
import time
import tracemalloc
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def add_holders(n: int, *, team, lead, start: int) -> None:
    """n children with a handbook and a judgment, ages spread over 0–17, each with an open case
    (plain bulk inserts: the benchmark measures run_reminders, not the seeding)."""
    from casework.models import Case, Child, Handbook, HandbookJudgment

    rng = random.Random(start)
    today = timezone.localdate()
    for offset in range(0, n, 5000):
        size = min(5000, n - offset)
        births = [today - timedelta(days=rng.randint(200, 17 * 365)) for _ in range(size)]
        children = Child.objects.bulk_create(
            [
                Child(
                    family_name="手帳",
                    given_name=f"児童{start + offset + i}",
                    family_name_kana="てちょう",
                    given_name_kana="じどう",
                    birth_date=birth,
                    sex="F",
                    town="芝浦",
                    name_index=f"bench-{start + offset + i}",
                )
                for i, birth in enumerate(births)
            ]
        )
        Case.objects.bulk_create(
            [
                Case(
                    fiscal_year=2026,
                    seq=start + offset + i + 1,
                    child=c,
                    team=team,
                    lead=lead,
                    category=8,
                    opened_on=date(2026, 4, 1),
                )
                for i, c in enumerate(children)
            ]
        )
        handbooks = Handbook.objects.bulk_create(
            [
                Handbook(
                    child=c,
                    number=f"第{start + offset + i}号",
                    degree=rng.randint(1, 4),
                    issued_on=c.birth_date + timedelta(days=180),
                    created_by=lead,
                )
                for i, c in enumerate(children)
            ]
        )
        HandbookJudgment.objects.bulk_create(
            [
                HandbookJudgment(
                    handbook=h,
                    judged_on=min(today, h.issued_on + timedelta(days=rng.randint(0, 3000))),
                    degree=h.degree,
                    reason="age",
                    judged_by=lead,
                )
                for h in handbooks
            ]
        )


def measure(now) -> tuple[float, float]:
    """(seconds, peak MB of Python allocations) of one run at `now`."""
    tracemalloc.start()
    started = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as profile:
            call_command("run_reminders", now=now.isoformat(), stdout=io.StringIO())
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
    else:
        call_command("run_reminders", now=now.isoformat(), stdout=io.StringIO())
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6


def test_run_reminders_over_10000_and_100000_handbooks(supervisor, team_a, caseworker):
    from casework.models import Deadline, Notification

    now = timezone.now()
    results = []
    done = 0
    sizes = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
    for size in sizes:
        add_holders(size - done, team=team_a, lead=caseworker, start=done)
        done = size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        first = measure(now)  # brings the ledger up to date: opens what is due
        again = measure(now)  # cron a few minutes later: nothing left to do
        results.append((size, first, again, Deadline.objects.count(), Notification.objects.count()))
    print("\nrun_reminders over children with 愛の手帳 (PostgreSQL)")
    print("children | first run s | peak MB | re-run s | peak MB | deadlines | notifications")
    for size, (s1, m1), (s2, m2), deadlines, notes in results:
        row = f"{size:>8} | {s1:>11.1f} | {m1:>7.1f} | {s2:>8.1f} | {m2:>7.1f}"
        print(f"{row} | {deadlines:>9} | {notes}")
