"""Simultaneous admissions on PostgreSQL with real parallel connections (ISSUE 5, "Done when").

Twenty threads, each with its own database connection, wait at a barrier and then admit twenty
different children at the same moment. Exactly as many succeed as there were free beds; the
others are told why in Japanese (満床 / ベッド使用中), never with a database error; and a
watcher counting the children in the house throughout never sees more than the beds.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from casework.models import User
from shelter import services
from shelter.choices import Grounds
from shelter.layout import ensure_default_layout
from shelter.models import Bed, Stay
from shelter.services import StayRuleError
from tests.factories import (
    ChildFactory,
    TeamFactory,
    UserFactory,
    decide_protection,
    member_of,
    open_case,
)

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL connections"),
]

THREADS = 20


def cases_for(n: int, supervisor: User, team, lead) -> list:
    return [
        open_case(
            actor=supervisor, child=ChildFactory(), team=team, lead=lead, opened_on=date(2026, 1, 5)
        )
        for _ in range(n)
    ]


def decisions_for(cases) -> list:
    """一時保護決定 on each case file (by its lead): what shelter staff admit from."""
    return [
        decide_protection(
            actor=case.lead,
            case=case,
            decided_on=timezone.localdate() - timedelta(days=10),
            grounds=Grounds.ABUSE,
        )
        for case in cases
    ]


@pytest.fixture
def house():
    """The 12-bed layout, a shelter worker, and cases for the children to admit."""
    ensure_default_layout()
    team = TeamFactory(name="並行試験係")
    supervisor = member_of(
        UserFactory(username="sv_conc", roles=["supervisor"]), team, supervisor=True
    )
    lead = member_of(UserFactory(username="cw_conc", roles=["caseworker"]), team)
    shelter = UserFactory(username="shelter_conc", roles=["shelter"])
    return {"team": team, "supervisor": supervisor, "lead": lead, "shelter": shelter}


def fill_all_but(free: int, house) -> list[Bed]:
    """Every bed taken but `free` of the boys' school-age rooms (101…), where the automatic
    choice places the racing children (school-age boys from the factory)."""
    beds = list(Bed.objects.filter(active=True).order_by("pk"))
    assert free <= 4, "only four beds suit a school-age boy"
    for bed, case in zip(
        beds[free:],
        cases_for(len(beds) - free, house["supervisor"], house["team"], house["lead"]),
        strict=True,
    ):
        (decision,) = decisions_for([case])
        services.stay_admit(
            actor=house["shelter"],
            decision=decision,
            started_on=timezone.localdate() - timedelta(days=10),
            parental_consent=False,
            bed=bed,
            mismatch_reason="並行試験の配置",
        )
    return beds[:free]


def race(decisions, actor, bed_for) -> tuple[list[Stay], Counter, int]:
    """Admit every decision at once (each thread its own connection, as each request is);
    returns the stays admitted, the refusals by message, and the
    most children the watcher ever saw in the house."""
    barrier = threading.Barrier(len(decisions) + 1)
    admitted: list[Stay] = []
    refusals: Counter = Counter()
    errors: list[BaseException] = []
    peak = [0]
    done = threading.Event()
    lock = threading.Lock()

    def admit(i: int, decision) -> None:
        try:
            barrier.wait()
            stay = services.stay_admit(  # its own (durable) transaction, as from the view
                actor=actor,
                decision=decision,
                started_on=timezone.localdate(),
                parental_consent=False,
                bed=bed_for(i),
                mismatch_reason="並行試験の配置",
            )
            with lock:
                admitted.append(stay)
        except StayRuleError as error:
            with lock:
                refusals[error.messages[0].split("。")[0]] += 1
        except BaseException as error:  # noqa: BLE001 - any other error fails the test below
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    def watch() -> None:
        try:
            while not done.is_set():
                peak[0] = max(peak[0], Stay.objects.in_house().count())
                time.sleep(0.002)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=admit, args=(i, d)) for i, d in enumerate(decisions)]
    watcher = threading.Thread(target=watch)
    for thread in threads:
        thread.start()
    watcher.start()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=60)
    done.set()
    watcher.join()
    assert not errors, errors
    return admitted, refusals, peak[0]


def test_many_simultaneous_admissions_to_the_last_free_bed_admit_exactly_one(house):
    (last,) = fill_all_but(1, house)
    cases = cases_for(THREADS, house["supervisor"], house["team"], house["lead"])
    admitted, refusals, peak = race(decisions_for(cases), house["shelter"], lambda i: last)
    assert len(admitted) == 1
    assert admitted[0].bed_id == last.pk
    assert sum(refusals.values()) == THREADS - 1
    assert set(refusals) <= {"満床です", "ベッド使用中です"}
    assert Stay.objects.in_house().count() == 12
    assert peak <= 12


def test_simultaneous_admissions_to_any_free_bed_fill_exactly_the_free_beds(house):
    free = fill_all_but(3, house)
    cases = cases_for(THREADS, house["supervisor"], house["team"], house["lead"])
    admitted, refusals, peak = race(decisions_for(cases), house["shelter"], lambda i: None)
    assert len(admitted) == 3
    assert {s.bed_id for s in admitted} == {b.pk for b in free}
    assert refusals == Counter({"満床です": THREADS - 3})
    assert Stay.objects.in_house().count() == 12
    assert peak <= 12


def test_simultaneous_admissions_of_one_child_admit_it_once(house):
    fill_all_but(4, house)
    (case,) = cases_for(1, house["supervisor"], house["team"], house["lead"])
    admitted, refusals, _peak = race(decisions_for([case]) * 8, house["shelter"], lambda i: None)
    assert len(admitted) == 1
    assert refusals == Counter({"この一時保護決定は入所待ちではありません（入所済みか取消し）": 7})
