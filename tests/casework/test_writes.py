"""save_with_history validates like Model.full_clean() without asking the database again for
a related row the service already holds (issue 9, item 8: the write path's cost)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import CaseEvent
from casework.writes import save_with_history


def event(kind: str = "note", **kwargs) -> CaseEvent:
    return CaseEvent(kind=kind, params={}, **kwargs)


@pytest.mark.django_db
def test_a_held_related_row_is_not_looked_up_again(case, caseworker):
    with CaptureQueriesContext(connection) as queries:
        save_with_history(event(case=case, actor=caseworker), actor=caseworker, reason="試験")
    lookups = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert not [sql for sql in lookups if "casework_case" in sql or "auth_user" in sql], lookups


@pytest.mark.django_db
def test_a_key_set_by_id_alone_is_still_checked(case, caseworker):
    with pytest.raises(ValidationError) as refused:
        save_with_history(
            event(case_id=case.pk + 10_000, actor=caseworker), actor=caseworker, reason="試験"
        )
    assert "case" in refused.value.message_dict
    assert not CaseEvent.objects.filter(case_id=case.pk + 10_000).exists()


@pytest.mark.django_db
def test_field_errors_and_constraints_are_still_reported(case, caseworker):
    with pytest.raises(ValidationError) as refused:
        save_with_history(
            event(case=case, actor=caseworker, kind="x" * 500), actor=caseworker, reason="試験"
        )
    assert "kind" in refused.value.message_dict
