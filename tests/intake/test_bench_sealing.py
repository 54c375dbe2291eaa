"""Issue 9, item 8: what sealing after commit buys (printed, not asserted). PostgreSQL.

Measured in one run, on the same database, against the old code path kept here only: each
history row linked *inside* the business transaction, under the chain-head lock held until
commit (as before issue 9). Reports
- the intake write path (consultation + new child through the service) as a ratio to the
  plain ORM inserting (a) the consultation and the child only, as the issue measured it, and
  (b) every row the write path inserts — the child, the consultation, the 48-hour deadline and
  their three history rows — with no signal, no rule, no lock and no chain;
- 20 concurrent intake clients against one: throughput and median latency;
- and that verify_audit passes afterwards.

    DATABASE_URL=postgres://… pytest -m benchmark -s tests/intake/test_bench_sealing.py
"""

from __future__ import annotations

import json
import multiprocessing
import os
import statistics
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import date
from itertools import count
from pathlib import Path

import pytest
from django.db import connection, connections
from simple_history.signals import post_create_historical_record

from casework.audit import chain
from casework.audit.signals import chain_history_row
from casework.choices import Category
from casework.models import AuditLink, ChainHead, Child, Deadline
from intake.choices import Channel, Urgency
from intake.models import Consultation, Route
from intake.services import consultation_create
from tests.factories import ChildFactory
from tests.intake.conftest import abuse_report, tokyo

pytestmark = [pytest.mark.benchmark, pytest.mark.django_db(transaction=True)]

SAVES = int(os.environ.get("BENCH_SAVES", "150"))  # smaller for a quick try of the code
CLIENTS = 20
PER_CLIENT = int(os.environ.get("BENCH_PER_CLIENT", "15"))
numbers = count()


def link_inside_the_transaction(sender, history_instance, **kwargs) -> None:
    """The code path before issue 9 (link_rows): lock the head, read the row back, link it,
    move the head — inside the writer's transaction, so the lock is held until it commits."""
    model = type(history_instance)
    head = ChainHead.objects.select_for_update().get(pk=1)
    contents = chain.fetch_contents(model, [history_instance.pk])
    seq, mac = head.seq, head.mac or chain.GENESIS
    links = []
    for row_id, content in sorted(contents.items()):
        seq += 1
        mac = chain.compute_mac(seq, model._meta.label, row_id, mac, content)
        links.append(
            AuditLink(seq=seq, history_label=model._meta.label, history_id=row_id, mac=mac)
        )
    AuditLink.objects.bulk_create(links)
    head.seq, head.mac = seq, mac
    head.save(update_fields=["seq", "mac"])


@contextmanager
def sealing(mode: str):
    if mode == "after commit":
        yield
        return
    post_create_historical_record.disconnect(dispatch_uid="mimamori_audit_chain")
    post_create_historical_record.connect(link_inside_the_transaction, dispatch_uid="bench_old")
    try:
        yield
    finally:
        post_create_historical_record.disconnect(dispatch_uid="bench_old")
        post_create_historical_record.connect(
            chain_history_row, dispatch_uid="mimamori_audit_chain"
        )


def new_child() -> Child:
    n = next(numbers)
    return ChildFactory.build(given_name_kana=f"ひまり{n}", birth_date=date(2019, 8, 3))


def clone(obj, n: int):
    """A copy of a saved row for a plain insert: a fresh row_key, unique text made unique."""
    values = {}
    for f in obj._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(obj, f.attname)
        if f.attname == "row_key":
            value = uuid.uuid4()
        elif f.unique and isinstance(value, str):
            value = f"{value}-{n}"
        values[f.attname] = value
    return type(obj)(**values)


def every_row_of(consultation: Consultation) -> list:
    """The rows one intake call inserted: three records and their history rows, in order."""
    child = Child.objects.get(pk=consultation.child_id)
    deadline = Deadline.objects.get(child_id=child.pk)
    rows = []
    for obj in (child, consultation, deadline):
        obj = type(obj).objects.get(pk=obj.pk)  # as stored (decrypted on read)
        rows += [obj, obj.history.get()]
    return rows


def median_ms(action, runs: int = SAVES) -> float:
    for _ in range(10):
        action()
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def clients(n: int, action) -> tuple[float, float, int]:
    """n threads, each with its own connection, PER_CLIENT actions: (per second, p50 ms,
    errors)."""
    start = threading.Barrier(n)
    latencies: list[float] = []
    errors: list[BaseException] = []

    def client() -> None:
        try:
            start.wait()
            for _ in range(PER_CLIENT):
                began = time.perf_counter()
                action()
                latencies.append(time.perf_counter() - began)
        except BaseException as exc:  # counted, reported
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client) for _ in range(n)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, len(errors)


def processes(n: int, action) -> tuple[float, float, int]:
    """n forked processes (as gunicorn's workers are), each with its own connection and
    PER_CLIENT actions, started together: (per second, p50 ms, errors)."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(n)
    results = context.Queue()
    connections.close_all()  # each child opens its own

    def client() -> None:
        latencies, errors, began = [], 0, 0.0
        try:
            start.wait()
            began = time.time()
            for _ in range(PER_CLIENT):
                t = time.perf_counter()
                action()
                latencies.append(time.perf_counter() - t)
        except BaseException:  # counted, reported
            errors += 1
        finally:
            results.put((began, time.time(), latencies, errors))
            results.close()
            results.join_thread()  # the result is through the pipe before the child exits
            connections.close_all()
            os._exit(0)

    children = [context.Process(target=client) for _ in range(n)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=600) for _ in children]
    for child in children:
        child.join()
    began = min(o[0] for o in outcomes)
    ended = max(o[1] for o in outcomes)
    latencies = [x for o in outcomes for x in o[2]]
    return (
        len(latencies) / (ended - began),
        statistics.median(latencies) * 1000 if latencies else 0.0,
        sum(o[3] for o in outcomes),
    )


@pytest.fixture(autouse=True)
def restore_migration_data(transactional_db) -> None:
    """Before the user fixtures: what the data migrations put in (routes, roles, the chain
    head), which a benchmark run before this one may have flushed (serialized rollback would
    clash with the content types its flush recreated)."""
    from importlib import import_module

    from django.apps import apps

    import_module("casework.migrations.0002_roles_and_chain_head").create_roles(apps, None)
    import_module("intake.migrations.0002_default_routes").create_routes(apps, None)


def test_sealing_after_commit_against_sealing_inside_the_transaction(intake_user, team_a, settings):
    # As in production: the test settings' read-back of every in-memory content is off.
    settings.MIMAMORI_AUDIT_CHECK_MEMORY = False
    if connection.vendor != "postgresql":
        pytest.skip("measured on PostgreSQL")
    route = Route.objects.get(code="neighbour")

    def plain() -> None:
        child = new_child()
        Child.objects.bulk_create([child])  # no signal: no history, no chain
        Consultation.objects.bulk_create(
            [
                Consultation(
                    received_at=tokyo(2026, 11, 20, 23, 40),
                    channel=Channel.HOTLINE,
                    route=route,
                    category=Category.ABUSE,
                    urgency=Urgency.HIGH,
                    summary="隣の部屋から子どもの泣き声と怒鳴り声がする。",
                    reporter_name="近所 花子",
                    reporter_relation="近隣住民",
                    reporter_contact="090-1111-2222",
                    child=child,
                    received_by=intake_user,
                    team=team_a,
                )
            ]
        )

    def intake() -> Consultation:
        return consultation_create(
            actor=intake_user, data=abuse_report(team_a, route), new_child=new_child()
        )

    templates = every_row_of(intake())
    copies = count()

    def plain_same_rows() -> None:
        n = next(copies)
        for row in templates:  # one INSERT each, as the write path does
            type(row).objects.bulk_create([clone(row, n)])

    base = median_ms(plain)
    same = median_ms(plain_same_rows)
    lines = [
        f"\n[issue 9 sealing] PostgreSQL; plain ORM: 2 rows {base:.2f} ms; "
        f"the same {len(templates)} rows as the write path {same:.2f} ms"
    ]
    throughput: dict[str, tuple[float, float]] = {}
    singles: dict[str, float] = {}
    for mode in ("inside the transaction (before)", "after commit"):
        with sealing(mode):
            single = median_ms(intake)
            one = clients(1, intake)
            many = clients(CLIENTS, intake)
            forked = processes(CLIENTS, intake)
        lines.append(
            f"  sealing {mode}:\n"
            f"    intake write path {single:.2f} ms = ×{single / base:.1f} the 2 plain rows, "
            f"×{single / same:.1f} the same rows by the plain ORM\n"
            f"    1 client:  {one[0]:.1f} req/s, p50 {one[1]:.1f} ms\n"
            f"    {CLIENTS} clients: {many[0]:.1f} req/s, p50 {many[1]:.1f} ms, "
            f"{many[2]} errors (×{many[0] / one[0]:.1f} one client)\n"
            f"    {CLIENTS} processes: {forked[0]:.1f} req/s, p50 {forked[1]:.1f} ms, "
            f"{forked[2]} errors"
        )
        throughput[mode] = (many[0], forked[0])
        singles[mode] = single
    (threads_before, forked_before), (threads_after, forked_after) = throughput.values()
    lines.append(
        f"  {CLIENTS} clients, after commit against before: ×{threads_after / threads_before:.1f}"
        f" (threads), ×{forked_after / forked_before:.1f} (processes)"
    )
    chain.seal()
    result = chain.verify()
    lines.append(
        f"  verify_audit afterwards: {'passes' if result.ok else 'FAILS'} "
        f"({result.checked} links; {result.total_problems} problems)"
    )
    print("\n".join(lines))
    if out := os.environ.get("BENCH_RESULTS"):  # make bench copies these into BENCHMARKS.md
        after = singles["after commit"]
        Path(out).write_text(
            json.dumps(
                {
                    "rows": len(templates),
                    "intake_ms": round(after, 2),
                    "plain_ms": round(same, 2),
                    "ratio": round(after / same, 2),
                    "clients": CLIENTS,
                    "clients_rps": round(threads_after, 1),
                    "processes_rps": round(forked_after, 1),
                }
            )
        )
    assert result.ok, [str(p) for p in result.problems[:5]]
