"""The 要対協 register under concurrent requests on PostgreSQL, with real parallel connections:
two workers recording the same entry's review at one meeting, and a review racing the end of
the registration — one wins, the other gets a Japanese refusal, and the ledger keeps exactly one
open review for an open entry (none for an ended one)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from casework.models import Deadline
from network import services
from network.models import Entry, Review
from tests.concurrency.test_casework_races import race
from tests.factories import TeamFactory, UserFactory, member_of
from tests.network.conftest import child_entry, session_on

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL connections"),
]


@pytest.fixture
def centre():
    team = TeamFactory(name="子ども家庭支援センター（競合）")
    return [
        member_of(UserFactory(username=f"net_race{i}", roles=["network"]), team) for i in range(4)
    ]


def open_reviews(entry: Entry) -> int:
    return Deadline.objects.filter(
        kind="network_review", subject_id=str(entry.pk), state="open"
    ).count()


def test_the_same_review_recorded_twice_at_once_is_saved_once(centre):
    entry = child_entry(centre[0])
    item = session_on(centre[0], timezone.localdate()).items.get()
    results, refusals = race(
        *[
            (
                lambda w=w: services.review_record(
                    actor=w,
                    item=item,
                    situation="状況",
                    lead_agency=entry.lead_agency,
                    policy="方針",
                )
            )
            for w in centre
        ]
    )
    assert len(results) == 1 and sum(refusals.values()) == 3
    assert Review.objects.filter(entry=entry).count() == 1
    entry.refresh_from_db()
    assert entry.reviews_done == 1 and open_reviews(entry) == 1


def test_a_review_racing_the_end_of_the_registration_leaves_no_open_review(centre):
    for _round in range(3):
        entry = child_entry(centre[0])
        item = session_on(centre[0], timezone.localdate()).items.get(entry=entry)
        race(
            lambda item=item, entry=entry: services.review_record(
                actor=centre[1],
                item=item,
                situation="状況",
                lead_agency=entry.lead_agency,
                policy="方針",
            ),
            lambda entry=entry: services.entry_end(
                actor=centre[2],
                entry=entry,
                end_kind="closed",
                ended_on=timezone.localdate(),
                reason="改善",
            ),
        )
        entry.refresh_from_db()
        assert entry.state == "ended" and open_reviews(entry) == 0
