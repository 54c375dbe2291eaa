"""The case scope's shape on PostgreSQL (issue 13): a supervisor's count reads the few cases
they hold by permission once, not a permission probe per case outside their teams."""

from __future__ import annotations

import pytest
from django.db import connection

from casework.models import Case

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_supervisors_scope_reads_their_permissions_once_not_once_per_case(
    supervisor, caseworker, case
):
    text = plan(Case.objects.visible_to(supervisor).filter(status="accepted"))
    assert "InitPlan" in text  # the permitted ids, read once
    assert "SubPlan" not in text  # no probe per row
    text = plan(Case.objects.visible_to(caseworker))
    assert "InitPlan" in text and "SubPlan" not in text
