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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "fields", "refused"),
    [
        ("open", {}, []),
        ("met", {}, ["完了には根拠となる記録が必要です。"]),
        ("dismissed", {}, ["deadline_closed_has_time"]),
        ("met", {"met_at": "now", "evidence_type": "x"}, []),
    ],
)
def test_check_constraints_are_validated_together_with_their_messages(
    case, caseworker, state, fields, refused
):
    from django.utils import timezone

    from casework.models import Deadline

    deadline = Deadline(
        kind="plan_approval",
        key=f"writes-{state}-{len(fields)}",
        subject_type="casework.case",
        subject_id=str(case.pk),
        due_at=timezone.now(),
        team=case.team,
        case=case,
        child=case.child,
        state=state,
        **{k: timezone.now() if v == "now" else v for k, v in fields.items()},
    )
    from casework.writes import validate_constraints

    with CaptureQueriesContext(connection) as queries:
        try:
            validate_constraints(deadline, set())
            messages = []
        except ValidationError as error:
            messages = error.messages
    assert [m for m in messages if any(r in m for r in refused)] == messages
    assert len(messages) == len(refused)
    checks = [q for q in queries if "_check_" in q["sql"]]
    assert len(checks) == 1  # both CHECK constraints in one query
