"""COPY for bulk loads (casework/bulkload.py): the same rows bulk_create would write."""

from __future__ import annotations

import pytest
from django.db import connection

from casework.audit.chain import bulk_create_chained, verify
from casework.bulkload import copy_create, copy_supported
from casework.models import Child
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def test_copied_rows_read_back_as_written_with_history_and_a_verified_chain():
    children = [ChildFactory.build(name_index=f"copy-{i}", allergies="卵") for i in range(30)]
    created = bulk_create_chained(children, Child, default_change_reason="一括投入")
    assert all(c.pk for c in created)
    stored = {c.pk: c for c in Child.objects.filter(pk__in=[c.pk for c in created])}
    assert [(stored[c.pk].full_name, stored[c.pk].allergies) for c in created] == [
        (c.full_name, "卵") for c in created
    ]
    history = Child.history.filter(id__in=[c.pk for c in created])
    assert history.count() == 30
    assert set(history.values_list("history_change_reason", flat=True)) == {"一括投入"}
    assert verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_takes_keys_from_the_sequence_so_later_inserts_do_not_collide():
    assert copy_supported(Child)
    first = copy_create(Child, [ChildFactory.build(name_index=f"seq-{i}") for i in range(5)])
    later = ChildFactory()
    assert len({c.pk for c in first} | {later.pk}) == 6
    assert later.pk > max(c.pk for c in first)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_a_copy_that_breaks_a_constraint_raises_djangos_integrity_error():
    """seal() retries on IntegrityError when a sweep linked a row first: COPY must raise it."""
    from django.db import IntegrityError, transaction

    from casework.models import AuditLink

    copy_create(AuditLink, [AuditLink(seq=10**9, history_label="x.Y", history_id=1, mac="0")])
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_create(AuditLink, [AuditLink(seq=10**9 + 1, history_label="x.Y", history_id=1)])
