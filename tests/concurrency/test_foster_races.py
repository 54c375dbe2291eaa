"""Foster placements under concurrent requests on PostgreSQL, with real parallel connections
(issue 10 "Done when"): never more children than a home's capacity, never one child in two
placements at once — by the locking services, and by the database when Python is bypassed.

Each thread has its own database connection (as each request has); all start at a barrier.
"""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import IntegrityError, connection, connections

from foster import services
from foster.choices import PlacementState
from foster.models import HomeSlot, Placement
from tests.concurrency.test_casework_races import race
from tests.factories import (
    ChildFactory,
    TeamFactory,
    UserFactory,
    member_of,
    open_case,
    propose_placement,
)
from tests.foster.conftest import certified_home

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL connections"),
]

START = date(2026, 7, 1)
TODAY = date(2026, 12, 2)


@pytest.fixture
def centre():
    team = TeamFactory(name="里親競合係")
    supervisor = member_of(
        UserFactory(username="sv_fc", roles=["supervisor"]), team, supervisor=True
    )
    leads = [
        member_of(UserFactory(username=f"cw_fc{i}", roles=["caseworker"]), team) for i in range(4)
    ]
    fosters = [UserFactory(username=f"foster_fc{i}", roles=["foster"]) for i in range(4)]
    return {"team": team, "supervisor": supervisor, "leads": leads, "fosters": fosters}


def proposals(centre, home, n: int) -> list[Placement]:
    found = []
    for i in range(n):
        lead = centre["leads"][i % len(centre["leads"])]
        case = open_case(
            actor=centre["supervisor"], child=ChildFactory(), team=centre["team"], lead=lead
        )
        found.append(
            propose_placement(actor=lead, case=case, home=home, planned_start=START, today=TODAY)
        )
    return found


def active_in(home) -> int:
    return Placement.objects.filter(home=home, state=PlacementState.ACTIVE).count()


def test_simultaneous_confirmations_never_exceed_the_homes_capacity(centre):
    home = certified_home(centre["fosters"][0], capacity=2)
    waiting = proposals(centre, home, 10)
    peak, stop = [0], threading.Event()

    def watch():
        while not stop.is_set():
            peak[0] = max(peak[0], active_in(home))
            time.sleep(0.002)
        connections.close_all()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        results, refusals = race(
            *[
                (
                    lambda p=p, i=i: services.placement_confirm(
                        actor=centre["fosters"][i % 4], placement=p, started_on=START, today=TODAY
                    )
                )
                for i, p in enumerate(waiting)
            ]
        )
    finally:
        stop.set()
        watcher.join()
    assert len(results) == 2 and refusals["FosterRuleError"] == 8
    assert active_in(home) == 2 and peak[0] <= 2
    slots = Placement.objects.filter(home=home, state="active").values_list(
        "slot__number", flat=True
    )
    assert sorted(slots) == [1, 2]


def test_the_same_proposal_confirmed_by_two_foster_workers_places_the_child_once(centre):
    home = certified_home(centre["fosters"][0])
    (proposal,) = proposals(centre, home, 1)
    results, refusals = race(
        *[
            (
                lambda user=user: services.placement_confirm(
                    actor=user, placement=proposal, started_on=START, today=TODAY
                )
            )
            for user in centre["fosters"]
        ]
    )
    assert len(results) == 1 and refusals["FosterRuleError"] == 3
    assert Placement.objects.filter(child=proposal.child, state="active").count() == 1


def test_two_homes_proposed_at_once_for_one_child_leave_one_proposal(centre):
    first = certified_home(centre["fosters"][0], name="一")
    second = certified_home(centre["fosters"][0], name="二")
    lead = centre["leads"][0]
    case = open_case(
        actor=centre["supervisor"], child=ChildFactory(), team=centre["team"], lead=lead
    )
    results, refusals = race(
        *[
            (
                lambda actor=actor, home=home: propose_placement(
                    actor=actor, case=case, home=home, planned_start=START, today=TODAY
                )
            )
            for actor, home in ((lead, first), (centre["supervisor"], second))
        ]
    )
    assert len(results) == 1 and refusals["FosterRuleError"] == 1
    assert Placement.objects.filter(child=case.child).count() == 1


def test_a_capacity_cut_racing_confirmations_never_leaves_more_children_than_places(centre):
    home = certified_home(centre["fosters"][0], capacity=3)
    waiting = proposals(centre, home, 3)
    services.placement_confirm(
        actor=centre["fosters"][0], placement=waiting[0], started_on=START, today=TODAY
    )
    results, refusals = race(
        lambda: services.home_set_capacity(actor=centre["fosters"][1], home=home, capacity=1),
        *[
            (
                lambda p=p: services.placement_confirm(
                    actor=centre["fosters"][2], placement=p, started_on=START, today=TODAY
                )
            )
            for p in waiting[1:]
        ],
    )
    home.refresh_from_db()
    places = HomeSlot.objects.filter(home=home, active=True).count()
    assert places == home.capacity
    assert active_in(home) <= home.capacity
    assert len(results) + sum(refusals.values()) == 3


def test_the_database_alone_refuses_a_second_active_placement_of_a_child(centre):
    """Python bypassed: two connections insert active placements of one child at once."""
    first = certified_home(centre["fosters"][0], name="一")
    second = certified_home(centre["fosters"][0], name="二")
    lead = centre["leads"][0]
    case = open_case(
        actor=centre["supervisor"], child=ChildFactory(), team=centre["team"], lead=lead
    )
    barrier, errors, saved = threading.Barrier(2), [], []

    def insert(home):
        try:
            barrier.wait()
            Placement.objects.create(
                child=case.child,
                case=case,
                home=home,
                slot=HomeSlot.objects.filter(home=home).order_by("number").first(),
                state=PlacementState.ACTIVE,
                planned_start=START,
                started_on=START,
                proposed_by=lead,
            )
            saved.append(home.pk)
        except IntegrityError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=insert, args=(h,)) for h in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(saved) == 1 and len(errors) == 1
    assert "placement_one_active_per_child" in str(errors[0])
