"""intake 0007 (issue 14 item 3): the attempts already on record get the outcome they had — a
direct sighting 目視できた, a visit with nobody met 不在, a call or word from others 目視できず.
(Their history rows keep '', which the audit chain leaves out: tests/intake/test_ladder.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # On PostgreSQL the suite runs as the application's role, which may not migrate (and a
    # table re-created by the owner would lose the role's grants for the tests after it).
    pytest.mark.skipif(connection.vendor == "postgresql", reason="migrates: SQLite only"),
]

BEFORE = [("intake", "0006_row_keys")]
AFTER = [("intake", "0007_ladder")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_existing_attempts_get_the_outcome_they_had(supervisor, intake_user, team_a):
    from intake import services
    from intake.models import Route
    from tests.factories import ChildFactory

    now = timezone.now()
    report = services.consultation_create(
        actor=intake_user,
        data=services.ConsultationData(
            team=team_a,
            received_at=now - timedelta(hours=3),
            channel="hotline",
            route=Route.objects.effective_on(now.date()).first(),
            category=1,
            urgency="high",
            summary="通報",
            abuse_types=["neglect"],
            reporter=services.Reporter(anonymous=True),
        ),
        new_child=ChildFactory.build(),
    )
    old = migrate(BEFORE)
    Confirmation = old.get_model("intake", "SafetyConfirmation")
    methods = {"visit_absent": False, "phone": False, "home_visit": True}
    for method, direct in methods.items():
        Confirmation.objects.create(
            consultation_id=report.pk,
            seen_at=now - timedelta(hours=1),
            seen_by="職員",
            agency="centre",
            place="自宅",
            method=method,
            seen_directly=direct,
            recorded_by_id=supervisor.pk,
        )
    new = migrate(AFTER)
    outcomes = dict(
        new.get_model("intake", "SafetyConfirmation").objects.values_list("method", "outcome")
    )
    assert outcomes == {"visit_absent": "absent", "phone": "not_seen", "home_visit": "seen"}
