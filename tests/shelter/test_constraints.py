"""The invariants hold in the database itself, even when Python is bypassed (ISSUE 5 §3).

Rows are written with `objects.create()` (no full_clean, no service, no lock) so that only the
database stands in the way. Both databases: partial unique and check constraints. PostgreSQL
also: exclusion constraints over periods (migration 0002, btree_gist).
"""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from shelter.choices import StayKind
from shelter.models import BedAssignment, Stay

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL only"
)
DAY = date(2026, 10, 1)


def raw_stay(case, **fields) -> Stay:
    values = {"child": case.child, "case": case, "grounds": "abuse", "started_on": DAY}
    values.update(fields)
    return Stay.objects.create(**values)


def refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_two_active_stays_in_one_bed_are_refused(new_case, layout):
    raw_stay(new_case(), bed=layout[0])
    second = new_case()
    refused(lambda: raw_stay(second, bed=layout[0]))


def test_a_bed_may_hold_a_new_stay_once_the_old_one_ended(new_case, layout):
    raw_stay(new_case(), bed=layout[0], ended_on=DAY + timedelta(days=3))
    raw_stay(new_case(), bed=layout[0], started_on=DAY + timedelta(days=3))


def test_two_active_stays_of_one_child_are_refused(new_case, layout):
    case = new_case()
    raw_stay(case, bed=layout[0])
    refused(lambda: raw_stay(case, bed=layout[1]))
    refused(lambda: raw_stay(case, kind=StayKind.ENTRUSTED, entrusted_to="病院"))


def test_an_active_shelter_stay_without_a_bed_is_refused(new_case, layout):
    """Every child in the house holds a bed and a bed holds one child: never more than beds."""
    case = new_case()
    refused(lambda: raw_stay(case, bed=None))


def test_an_entrusted_stay_with_a_bed_is_refused(new_case, layout):
    case = new_case()
    refused(lambda: raw_stay(case, kind=StayKind.ENTRUSTED, bed=layout[0]))


def test_a_stay_cannot_end_before_it_starts(new_case, layout):
    case = new_case()
    refused(lambda: raw_stay(case, bed=layout[0], ended_on=DAY - timedelta(days=1)))


def test_two_open_assignments_of_one_bed_are_refused(new_case, layout):
    first = raw_stay(new_case(), bed=layout[0])
    second = raw_stay(new_case(), bed=layout[1])
    BedAssignment.objects.create(stay=first, bed=layout[0], from_date=DAY)
    refused(lambda: BedAssignment.objects.create(stay=second, bed=layout[0], from_date=DAY))


@postgres_only
def test_postgres_refuses_overlapping_past_periods_in_one_bed(new_case, layout):
    first = raw_stay(new_case(), bed=layout[0], ended_on=DAY + timedelta(days=10))
    second = raw_stay(new_case(), bed=layout[1], ended_on=DAY + timedelta(days=10))
    BedAssignment.objects.create(
        stay=first, bed=layout[0], from_date=DAY, to_date=DAY + timedelta(days=10)
    )
    refused(
        lambda: BedAssignment.objects.create(
            stay=second,
            bed=layout[0],
            from_date=DAY + timedelta(days=5),
            to_date=DAY + timedelta(days=8),
        )
    )
    # Touching periods do not overlap: [1, 11) then [11, …).
    BedAssignment.objects.create(stay=second, bed=layout[0], from_date=DAY + timedelta(days=10))


@postgres_only
def test_postgres_refuses_overlapping_stays_of_one_child(new_case, layout):
    case = new_case()
    raw_stay(case, bed=layout[0], ended_on=DAY + timedelta(days=10))
    refused(
        lambda: raw_stay(
            case,
            bed=layout[1],
            started_on=DAY + timedelta(days=5),
            ended_on=DAY + timedelta(days=6),
        )
    )


@postgres_only
def test_the_exclusion_constraints_are_installed_with_btree_gist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gist'")
        assert cursor.fetchone()
        cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'x' ORDER BY conname")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "shelter_bedassignment_no_overlap",
        "shelter_bedassignment_stay_no_overlap",
        "shelter_stay_child_no_overlap",
    } <= names
