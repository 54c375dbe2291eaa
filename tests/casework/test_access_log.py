"""The access log at model and helper level (PRODUCT §3: who read a record is itself a record)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from casework.access import log_access
from casework.audit.selectors import access_log
from casework.models import AccessLog
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def request_as(user, path="/children/1/?tab=household", ip="192.0.2.7"):
    request = RequestFactory().get(path, REMOTE_ADDR=ip)
    request.user = user
    return request


def test_log_access_records_who_what_when_and_from_where(caseworker):
    child = ChildFactory()
    before = datetime.now(tz=UTC)
    log_access(request_as(caseworker), child)
    entry = AccessLog.objects.get()
    assert entry.user == caseworker
    assert (entry.record_type, entry.record_id) == ("casework.Child", str(child.pk))
    assert entry.action == "view"
    assert entry.ip_address == "192.0.2.7"
    assert entry.path == "/children/1/?tab=household"
    assert entry.at >= before


def test_a_very_long_path_is_cut_to_fit(caseworker):
    log_access(request_as(caseworker, path="/children/1/?q=" + "x" * 900), ChildFactory())
    assert len(AccessLog.objects.get().path) == 500


def test_the_access_log_has_no_history_but_each_entry_is_sealed_into_the_chain(caseworker):
    """It is append-only (trigger and grants on PostgreSQL), not versioned: one row per view,
    and one link of the audit chain per row once the request's transaction commits."""
    from casework.audit.chain import _SealOnCommit
    from casework.models import AuditLink

    assert not hasattr(AccessLog, "history")
    log_access(request_as(caseworker), ChildFactory())
    entry = AccessLog.objects.get()
    pending = [f for _s, f, _r in connection.run_on_commit if isinstance(f, _SealOnCommit)]
    assert [i for p in pending for i in p.rows.get(AccessLog, [])] == [entry.pk]
    for _s, callback, _r in list(connection.run_on_commit):  # what the commit does
        callback()
    assert AuditLink.objects.filter(history_label="casework.AccessLog", history_id=entry.pk)


def test_entries_come_newest_first_and_filter_by_user_type_and_period(caseworker, supervisor):
    child = ChildFactory()
    for user, at in [
        (caseworker, datetime(2026, 4, 1, 1, tzinfo=UTC)),
        (supervisor, datetime(2026, 5, 1, 1, tzinfo=UTC)),
        (caseworker, datetime(2026, 6, 1, 1, tzinfo=UTC)),
    ]:
        AccessLog.objects.create(
            user=user, record_type=child._meta.label, record_id=child.pk, path="/", at=at
        )
    assert [e.at.month for e in access_log()] == [6, 5, 4]
    assert [e.at.month for e in access_log(user=caseworker)] == [6, 4]
    assert access_log(record_type="casework.Case").count() == 0
    start = datetime(2026, 4, 15, tzinfo=UTC)
    end = datetime(2026, 5, 15, tzinfo=UTC)
    assert [e.user for e in access_log(start=start, end=end)] == [supervisor]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")
def test_entries_cannot_be_changed_or_removed(caseworker):
    log_access(request_as(caseworker), ChildFactory())
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.update(ip_address="10.0.0.1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().ip_address == "192.0.2.7"


def test_bulk_access_entries_are_sealed_too(caseworker):
    from casework.audit.chain import _SealOnCommit

    entries = AccessLog.objects.bulk_create(
        [
            AccessLog(user=caseworker, record_type="casework.Child", record_id=str(i), path="/")
            for i in range(3)
        ]
    )
    pending = [f for _s, f, _r in connection.run_on_commit if isinstance(f, _SealOnCommit)]
    assert [i for p in pending for i in p.rows.get(AccessLog, [])] == [e.pk for e in entries]
