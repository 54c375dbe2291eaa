"""Intake measurements (ISSUE 4 "Measure"), printed, not asserted.

- the statistics page for a fiscal year with 100,000 consultations (PostgreSQL): server time
  (median of 5) and query count; with the same data (and 20,000 cases), the intake queue and
  the supervisor's home with its clock panel;
- the intake write path (consultation + new child: encryption, blind index, history, audit
  chain) as a ratio to a plain ORM insert.

Run with `DATABASE_URL=postgres://… pytest -m benchmark tests/intake/test_bench_intake.py -s`.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import rules
from casework.models import AccessLog, Child
from intake.choices import Channel, Urgency
from intake.models import Consultation, Route
from intake.services import consultation_create
from intake.statistics import consultation_table, fiscal_year_counts
from tests.factories import ChildFactory, bulk_cases
from tests.intake.conftest import abuse_report, tokyo

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db]

ROWS = 100_000
CHILDREN = 2_000
RUNS = 5
SAVES = 200


def _load(n: int, *, team, user, lead) -> None:
    rng = random.Random(4)
    children = Child.objects.bulk_create(
        [ChildFactory.build(name_index=f"bench-{i}") for i in range(CHILDREN)], batch_size=1000
    )
    routes = list(Route.objects.all())
    start = tokyo(2024, 4, 1, 0, 0)
    span = int((tokyo(2026, 4, 1, 0, 0) - start).total_seconds())  # two fiscal years
    batch = []
    for i in range(n):
        received = start + timedelta(seconds=rng.randrange(span))
        category = rng.choice([1] * 8 + list(range(1, 17)))
        batch.append(
            Consultation(
                received_at=received,
                channel=Channel.PHONE,
                route=rng.choice(routes),
                category=category,
                urgency=Urgency.MEDIUM,
                summary="概要",
                child=children[i % CHILDREN],
                received_by=user,
                team=team,
                safety_due_at=rules.safety_check_due(received) if category == 1 else None,
                safety_confirmed_at=(
                    received + timedelta(hours=5) if category == 1 and i % 500 else None
                ),
            )
        )
        if len(batch) == 5000:
            Consultation.objects.bulk_create(batch)
            batch = []
    Consultation.objects.bulk_create(batch)
    # 20,000 cases in the team (the supervisor's scope), each the outcome of a consultation.
    cases = bulk_cases(20_000, team=team, lead=lead, start_seq=10)
    accepted = list(Consultation.objects.order_by("pk").only("pk")[: len(cases)])
    for row, case in zip(accepted, cases, strict=True):
        row.case, row.status = case, "accepted"
    Consultation.objects.bulk_update(accepted, ["case", "status"], batch_size=2000)
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # lets the fiscal-year aggregate read only the (received_at, category, route) index.
        cursor.execute("VACUUM ANALYZE intake_consultation")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # VACUUM needs autocommit
def test_statistics_page_with_100000_consultations(
    supervisor, intake_user, caseworker, team_a, login
):
    if connection.vendor != "postgresql":
        pytest.skip("measured on PostgreSQL")
    started = time.perf_counter()
    _load(ROWS, team=team_a, user=intake_user, lead=caseworker)
    loaded = time.perf_counter() - started
    client = login(supervisor)
    url = "/reports/consultations/?fiscal_year=2025"
    client.get(url)  # warm up
    timings, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            began = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - began)
        assert response.status_code == 200
        queries = [q["sql"][:90] for q in ctx.captured_queries]
    in_year = response.context["table"].grand_total
    aggregate = []
    for _ in range(RUNS):
        began = time.perf_counter()
        consultation_table(2025)
        aggregate.append(time.perf_counter() - began)
    xlsx_times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        client.get(url + "&format=xlsx")
        xlsx_times.append(time.perf_counter() - began)
    other_pages = {}
    for who, page in (
        (intake_user, "/intake/"),
        (supervisor, "/intake/"),
        (supervisor, "/dashboard/"),
    ):
        other = login(who)
        other.get(page)
        runs = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as ctx:
                began = time.perf_counter()
                assert other.get(page).status_code == 200
                runs.append(time.perf_counter() - began)
        other_pages[f"{who.username} {page}"] = (statistics.median(runs), len(ctx))
    plan = fiscal_year_counts(2025).explain().replace("\n", "\n    ")
    print(
        f"\n[intake stats] {ROWS:,} consultations (loaded in {loaded:.1f} s), "
        f"{in_year:,} in 令和7年度\n"
        f"  page: median {statistics.median(timings) * 1000:.1f} ms over {RUNS} runs, "
        f"{len(queries)} queries\n      " + "\n      ".join(queries) + "\n"
        f"  table only (2 queries): median {statistics.median(aggregate) * 1000:.1f} ms\n"
        f"  xlsx export: median {statistics.median(xlsx_times) * 1000:.1f} ms\n"
        f"  plan:\n    {plan}\n"
        + "".join(
            f"  {name}: median {t * 1000:.1f} ms, {n} queries\n"
            for name, (t, n) in other_pages.items()
        )
    )


def per_save_ms(save) -> float:
    for _ in range(10):
        save()
    timings = []
    for _ in range(SAVES):
        began = time.perf_counter()
        save()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def test_write_path_compared_with_a_plain_insert(intake_user, team_a):
    route = Route.objects.get(code="neighbour")
    counter = iter(range(10**6))

    def plain() -> None:
        AccessLog.objects.create(
            user=intake_user, record_type="intake.Consultation", record_id="1", path="/intake/"
        )

    def intake() -> None:
        n = next(counter)
        data = abuse_report(team_a, route)
        child = ChildFactory.build(given_name_kana=f"ひまり{n}", birth_date=date(2019, 8, 3))
        consultation_create(actor=intake_user, data=data, new_child=child)

    base = per_save_ms(plain)
    full = per_save_ms(intake)
    print(
        f"\n[intake write path] {connection.vendor}: plain insert {base:.2f} ms; "
        f"consultation + new child (12 encrypted values and their history copies, blind index, "
        f"2 history rows, 2 chain links, rule checks) {full:.2f} ms — ×{full / base:.1f}"
    )
