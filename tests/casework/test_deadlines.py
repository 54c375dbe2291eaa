"""The deadline ledger (issue 11): the services that do the work open and close deadlines, with
the evidence that met them; a deadline never closes without evidence or a reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import deadlines as ledger
from casework import services
from casework.choices import DeadlineKind as K
from casework.models import Deadline
from casework.services import CaseRuleError
from shelter import services as shelter
from tests.factories import ChildFactory, decide_and_admit, open_case

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def only(kind, **filters) -> Deadline:
    return Deadline.objects.get(kind=kind, **filters)


@pytest.fixture
def report(intake_user, team_a):
    """An abuse report received now: its 48-hour clock is on the ledger."""
    from intake.models import Route
    from intake.services import ConsultationData, Reporter, consultation_create

    data = ConsultationData(
        team=team_a,
        received_at=timezone.now() - timedelta(hours=2),
        channel="hotline",
        route=Route.objects.first(),
        category=1,
        urgency="high",
        summary="泣き声",
        abuse_types=["physical"],
        reporter=Reporter(anonymous=True),
    )
    return consultation_create(actor=intake_user, data=data, new_child=ChildFactory.build())


def test_a_report_opens_the_48_hour_check_for_its_team_and_acceptance_gives_it_a_lead(
    report, supervisor, caseworker, team_a
):
    from intake.services import consultation_accept

    deadline = only(K.SAFETY_CHECK)
    assert (deadline.team, deadline.owner, deadline.due_at) == (team_a, None, report.safety_due_at)
    case = consultation_accept(actor=supervisor, consultation=report, team=team_a, lead=caseworker)
    deadline.refresh_from_db()
    assert (deadline.owner, deadline.case) == (caseworker, case)


def test_a_direct_sighting_meets_the_check_at_the_time_the_child_was_seen(report, supervisor):
    from intake.services import safety_confirm

    seen_at = timezone.now() - timedelta(hours=1)
    confirmation = safety_confirm(
        actor=supervisor,
        consultation=report,
        seen_at=seen_at,
        seen_by="職員",
        agency="centre",
        place="自宅",
        method="home_visit",
    )
    deadline = only(K.SAFETY_CHECK)
    assert deadline.state == "met" and deadline.met_at == seen_at
    assert (deadline.evidence_type, deadline.evidence_id) == (
        "intake.SafetyConfirmation",
        str(confirmation.pk),
    )
    assert deadline.outcome_label == "期限内に完了"


def test_a_sighting_after_48_hours_is_met_late(report, supervisor):
    from intake.services import safety_confirm

    with time_machine.travel(timezone.now() + timedelta(hours=60)):
        safety_confirm(
            actor=supervisor,
            consultation=report,
            seen_at=timezone.now() - timedelta(hours=1),
            seen_by="職員",
            agency="centre",
            place="自宅",
            method="home_visit",
        )
    assert only(K.SAFETY_CHECK).outcome_label == "期限後に完了"


def test_taking_the_child_into_protection_closes_the_clock_with_the_admission(
    report, supervisor, caseworker, team_a, shelter_user
):
    """Issue 12 item 12: a child taken into the centre's protection counts as seen."""
    from intake.services import consultation_accept
    from shelter.layout import ensure_default_layout

    ensure_default_layout()
    case = consultation_accept(actor=supervisor, consultation=report, team=team_a, lead=caseworker)
    stay = decide_and_admit(
        actor=shelter_user, case=case, started_on=timezone.localdate(), parental_consent=False
    )
    report.refresh_from_db()
    assert report.safety_confirmed_at is not None
    deadline = only(K.SAFETY_CHECK)
    assert deadline.state == "met" and deadline.evidence_type == "shelter.Stay"
    assert deadline.evidence_id == str(stay.pk)


@pytest.fixture
def stay(case, shelter_user):
    from shelter.layout import ensure_default_layout

    ensure_default_layout()
    return decide_and_admit(
        actor=shelter_user, case=case, started_on=timezone.localdate(), parental_consent=False
    )


def test_a_stay_without_consent_owes_the_warrant_by_the_end_of_day_seven(stay, caseworker):
    from casework import rules

    warrant = only(K.WARRANT_REQUEST)
    last = rules.warrant_request_due(stay.started_on)
    assert timezone.localtime(warrant.due_at) == datetime(
        last.year, last.month, last.day, tzinfo=TOKYO
    ) + timedelta(days=1)
    assert warrant.owner == caseworker
    limit = only(K.PROTECTION_LIMIT)
    assert timezone.localtime(limit.due_at).date() == rules.protection_limit(
        stay.started_on
    ) + timedelta(days=1)


def test_consent_takes_the_warrant_off_with_its_reason(stay, shelter_user):
    shelter.stay_record_consent(
        actor=shelter_user, stay=stay, consent=True, on=timezone.localdate()
    )
    warrant = only(K.WARRANT_REQUEST)
    assert warrant.state == "dismissed" and "同意" in warrant.reason


def test_the_warrant_request_meets_it_and_a_refusal_opens_the_appeal(stay, shelter_user):
    today = timezone.localdate()
    shelter.stay_record_warrant_request(actor=shelter_user, stay=stay, requested_on=today)
    assert only(K.WARRANT_REQUEST).state == "met"
    shelter.stay_record_warrant_decision(
        actor=shelter_user, stay=stay, result="refused", decided_on=today
    )
    appeal = only(K.APPEAL)
    assert appeal.is_open
    shelter.stay_discharge(
        actor=shelter_user, stay=stay, ended_on=today, destination="home", reason="却下により解除"
    )
    assert only(K.APPEAL).state == "met"
    assert only(K.PROTECTION_LIMIT).state == "met"


def test_a_discharge_after_the_warrant_was_due_records_it_missed(case, shelter_user):
    from shelter.layout import ensure_default_layout

    ensure_default_layout()
    stay = decide_and_admit(
        actor=shelter_user,
        case=case,
        started_on=timezone.localdate() - timedelta(days=10),
        parental_consent=False,
    )
    shelter.stay_discharge(
        actor=shelter_user,
        stay=stay,
        ended_on=timezone.localdate(),
        destination="home",
        reason="家庭復帰",
    )
    warrant = only(K.WARRANT_REQUEST)
    assert warrant.state == "missed" and warrant.outcome_label == "期限切れ（未対応のまま終了）"


def test_an_extension_with_consent_meets_the_limit_and_opens_the_next_period(stay, shelter_user):
    shelter.extension_request(
        actor=shelter_user, stay=stay, requested_on=timezone.localdate(), parental_consent=True
    )
    assert only(K.PROTECTION_LIMIT).state == "met"
    assert only(K.EXTENSION_LIMIT).is_open


def test_a_plan_waits_for_the_teams_supervisors_until_decided(case, caseworker, supervisor):
    for step in ("investigation", "judgment"):
        services.case_move_status(actor=caseworker, case=case, to=step, reason="判定会議")
    services.case_propose_plan(actor=caseworker, case=case, kind="home", detail="在宅")
    waiting = only(K.PLAN_APPROVAL)
    assert waiting.is_open and waiting.owner is None and not waiting.statutory
    services.case_decide_plan(actor=supervisor, case=case, approve=False, comment="再検討")
    assert only(K.PLAN_APPROVAL).state == "met"
    services.case_propose_plan(actor=caseworker, case=case, kind="home", detail="在宅（修正）")
    assert Deadline.objects.filter(kind=K.PLAN_APPROVAL, state="open").count() == 1


def test_a_transferred_cases_deadlines_follow_the_new_lead(stay, supervisor, other_worker, team_b):
    services.case_transfer(
        actor=supervisor, case=stay.case, new_lead=other_worker, team=team_b, reason="転居"
    )
    for deadline in Deadline.objects.filter(case=stay.case, state="open"):
        assert (deadline.owner, deadline.team) == (other_worker, team_b)


def test_only_a_supervisor_dismisses_and_never_without_a_reason(stay, caseworker, supervisor):
    warrant = only(K.WARRANT_REQUEST)
    with pytest.raises(PermissionDenied):
        ledger.deadline_dismiss(actor=caseworker, deadline=warrant, reason="不要")
    with pytest.raises(CaseRuleError):
        ledger.deadline_dismiss(actor=supervisor, deadline=warrant, reason=" ")
    ledger.deadline_dismiss(actor=supervisor, deadline=warrant, reason="親権者が同意した")
    warrant.refresh_from_db()
    assert (warrant.state, warrant.reason, warrant.closed_by) == (
        "dismissed",
        "親権者が同意した",
        supervisor,
    )


def test_the_owner_acknowledges_once(stay, caseworker, coworker):
    warrant = only(K.WARRANT_REQUEST)
    with pytest.raises(PermissionDenied):
        ledger.deadline_acknowledge(actor=coworker, deadline=warrant)
    ledger.deadline_acknowledge(actor=caseworker, deadline=warrant)
    with pytest.raises(CaseRuleError):
        ledger.deadline_acknowledge(actor=caseworker, deadline=warrant)


def test_the_database_refuses_a_deadline_met_without_evidence(stay):
    warrant = only(K.WARRANT_REQUEST)
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.filter(pk=warrant.pk).update(state="met", met_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Deadline.objects.filter(pk=warrant.pk).update(state="dismissed")


def test_opening_the_same_obligation_twice_is_one_row(case, supervisor):
    due = timezone.now() + timedelta(days=1)
    first = ledger.open_deadline(kind=K.PLAN_APPROVAL, subject=case, due_at=due, actor=supervisor)
    again = ledger.open_deadline(kind=K.PLAN_APPROVAL, subject=case, due_at=due, actor=supervisor)
    assert first.pk == again.pk and Deadline.objects.count() == 1


def test_a_case_number_is_all_the_mail_says_of_the_case(stay, caseworker, mailoutbox):
    from django.core.management import call_command

    caseworker.email = "cw@example.org"
    caseworker.save()
    call_command("run_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert mailoutbox, "the warrant's first step is mailed to its owner"
    body = mailoutbox[0].subject + mailoutbox[0].body
    assert stay.case.number in body
    for secret in (stay.child.family_name, stay.child.given_name, stay.child.address):
        assert secret not in body


def test_opening_an_obligation_for_another_teams_case_needs_nothing_from_the_user(other_case):
    """The ledger is written by services on the user's behalf; scope is the services' job."""
    deadline = ledger.open_deadline(
        kind=K.PLAN_APPROVAL,
        subject=other_case,
        due_at=timezone.now(),
        team_id=other_case.team_id,
    )
    assert deadline.team_id == other_case.team_id


def test_case_open_for_a_new_child_has_no_deadline(supervisor, team_a, caseworker):
    open_case(actor=supervisor, team=team_a, lead=caseworker)
    assert not Deadline.objects.exists()
