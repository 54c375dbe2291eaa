"""Races on the ladder when a child cannot be seen (issue 14 item 3), on PostgreSQL with real
parallel connections: two workers recording the same step's outcome at once record it once; a
step recorded at the moment the child is seen never leaves a date open on the ledger after the
ladder has ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from casework.choices import DeadlineKind
from casework.models import Deadline
from intake import services
from intake.models import Consultation, LegalStep
from intake.models import Route as ReferralRoute
from tests.concurrency.test_casework_races import race
from tests.factories import ChildFactory

pytestmark = [
    pytest.mark.pg,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL connections"),
]


@pytest.fixture
def failed_visit(intake_user, supervisor, caseworker, team_a) -> Consultation:
    """An accepted abuse report whose home visit found nobody in."""
    now = timezone.now()
    data = services.ConsultationData(
        team=team_a,
        received_at=now - timedelta(hours=6),
        channel="hotline",
        route=ReferralRoute.objects.effective_on(now.date()).first(),
        category=1,
        urgency="high",
        summary="泣き声の通報",
        abuse_types=["neglect"],
        reporter=services.Reporter(anonymous=True),
    )
    report = services.consultation_create(
        actor=intake_user, data=data, new_child=ChildFactory.build()
    )
    services.consultation_accept(
        actor=supervisor, consultation=report, team=team_a, lead=caseworker
    )
    services.safety_confirm(
        actor=caseworker,
        consultation=report,
        seen_at=now - timedelta(hours=5),
        seen_by="職員",
        agency="centre",
        place="自宅",
        method="visit_absent",
        outcome="absent",
    )
    return Consultation.objects.get(pk=report.pk)


def summons(actor, report):
    return services.legal_step_record(
        actor=actor,
        consultation=report,
        kind="appearance",
        decided_on=timezone.localdate(),
        scheduled_at=timezone.now() + timedelta(days=1),
        addressee="保護者",
        place="港区児童相談所",
        worker=actor,
    )


def test_two_outcomes_of_the_same_step_at_once_record_one(failed_visit, caseworker, supervisor):
    step = summons(caseworker, failed_visit)
    at = timezone.now() - timedelta(minutes=5)
    results, refusals = race(
        lambda: services.legal_step_outcome(
            actor=caseworker, step=step, outcome="no_show", outcome_at=at
        ),
        lambda: services.legal_step_outcome(
            actor=supervisor, step=step, outcome="refused", outcome_at=at
        ),
    )
    assert len(results) == 1 and sum(refusals.values()) == 1
    step.refresh_from_db()
    assert step.outcome == results[0].outcome
    assert step.history.filter(history_type="~").count() == 1
    deadline = Deadline.objects.get(kind=DeadlineKind.SAFETY_STEP)
    assert deadline.state == "met"


def test_a_step_and_a_sighting_at_once_leave_no_date_after_the_ladder_ended(
    failed_visit, caseworker, supervisor
):
    results, refusals = race(
        lambda: summons(supervisor, failed_visit),
        lambda: services.safety_confirm(
            actor=caseworker,
            consultation=failed_visit,
            seen_at=timezone.now() - timedelta(minutes=1),
            seen_by="職員",
            agency="centre",
            place="学校",
            method="at_school",
            outcome="seen",
        ),
    )
    failed_visit.refresh_from_db()
    assert not failed_visit.clock_open
    assert sum(refusals.values()) <= 1  # the step refused if the sighting came first
    assert len(results) + sum(refusals.values()) == 2
    assert not Deadline.objects.filter(kind=DeadlineKind.SAFETY_STEP, state="open").exists()
    assert LegalStep.objects.count() == len(results) - 1
