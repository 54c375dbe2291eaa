"""The six stages strictly in order, withdrawal and decline at any stage, reopening, the council
session, certification into a home with its expiry (DOMAIN §5; issue 10 "Done when")."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework.deadlines import end_of_day
from casework.models import Deadline
from foster import services
from foster.choices import ApplicantStatus, Course, Stage, StepOutcome
from foster.models import Applicant, Home, HomeSlot, Step
from foster.services import FosterRuleError
from tests.conftest import rolled_back
from tests.foster.conftest import START, certified_home, new_applicant, session_on, take_to

pytestmark = pytest.mark.django_db


def test_each_stage_is_recorded_in_order_with_date_worker_outcome(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.COUNCIL)
    steps = list(Step.objects.filter(applicant=applicant).order_by("stage"))
    assert [s.stage for s in steps] == [1, 2, 3, 4, 5]
    assert all(s.worker == foster_user for s in steps)
    assert steps[4].outcome == StepOutcome.APPROVED and steps[4].session is not None
    assert applicant.stage == 5 and applicant.next_stage == Stage.CERTIFICATION


@pytest.mark.parametrize("skipped_to", [2, 3, 4, 5, 6])
def test_a_skipped_stage_is_refused_in_japanese_and_nothing_is_saved(foster_user, skipped_to):
    applicant = new_applicant(foster_user)
    with pytest.raises(FosterRuleError, match="段階を飛ばすことはできません。「制度説明」"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=skipped_to, done_on=date(2026, 4, 2)
        )
    assert not Step.objects.filter(applicant=applicant).exists()
    assert Applicant.objects.get(pk=applicant.pk).stage == 0


def test_a_stage_cannot_be_recorded_twice(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.EXPLANATION)
    with pytest.raises(FosterRuleError, match="すでに記録されています"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=1, done_on=date(2026, 4, 20)
        )


def test_training_needs_both_pre_certification_courses(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.EXPLANATION)
    services.training_record(
        actor=foster_user, applicant=applicant, course=Course.BASIC, attended_on=date(2026, 4, 15)
    )
    with pytest.raises(FosterRuleError, match="基礎研修と登録前研修"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=2, done_on=date(2026, 4, 16)
        )


def test_home_study_needs_a_visit_and_the_council_a_session(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.APPLICATION)
    with pytest.raises(FosterRuleError, match="家庭調査の訪問"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=4, done_on=date(2026, 5, 20)
        )
    applicant = take_to(foster_user, applicant, Stage.HOME_STUDY)
    with pytest.raises(FosterRuleError, match="児童福祉審議会を選んで"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=5, outcome=StepOutcome.APPROVED
        )


def test_a_step_before_the_previous_one_is_refused(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.EXPLANATION)
    with pytest.raises(FosterRuleError, match="前の段階の実施日"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=2, done_on=date(2026, 4, 2)
        )


def test_a_council_session_groups_the_applicants_it_deliberated(foster_user):
    session = session_on(foster_user, date(2026, 6, 15))
    first = take_to(foster_user, new_applicant(foster_user, name="一"), 5, session=session)
    second = take_to(foster_user, new_applicant(foster_user, name="二"), 5, session=session)
    assert {s.applicant_id for s in session.steps.all()} == {first.pk, second.pk}
    assert {s.done_on for s in session.steps.all()} == {date(2026, 6, 15)}


def test_a_council_that_does_not_approve_declines_the_application_which_stays(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.HOME_STUDY)
    session = session_on(foster_user, date(2026, 6, 15))
    services.step_record(
        actor=foster_user,
        applicant=applicant,
        stage=5,
        session=session,
        outcome=StepOutcome.NOT_APPROVED,
        notes="養育環境の再確認が必要",
    )
    applicant.refresh_from_db()
    assert applicant.status == ApplicantStatus.DECLINED and applicant.closed_at_stage == 5
    assert applicant.closed_reason == "養育環境の再確認が必要"
    assert Step.objects.filter(applicant=applicant).count() == 5
    with pytest.raises(FosterRuleError, match="不認定・見送り"):
        services.step_record(actor=foster_user, applicant=applicant, stage=6)


@pytest.mark.parametrize("at_stage", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("status", [ApplicantStatus.WITHDRAWN, ApplicantStatus.DECLINED])
def test_withdrawal_or_decline_at_any_stage_keeps_the_record(foster_user, at_stage, status):
    applicant = take_to(foster_user, new_applicant(foster_user), at_stage)
    services.applicant_close(
        actor=foster_user,
        applicant=applicant,
        status=status,
        closed_on=date(2026, 7, 1),
        reason="転居のため",
    )
    applicant.refresh_from_db()
    assert applicant.status == status and applicant.closed_at_stage == at_stage + 1
    assert Step.objects.filter(applicant=applicant).count() == at_stage
    assert Applicant.history.filter(id=applicant.pk).count() >= 2
    with pytest.raises(FosterRuleError, match="段階を記録できません"):
        services.step_record(actor=foster_user, applicant=applicant, stage=at_stage + 1)


def test_withdrawal_needs_a_reason_and_a_certified_household_cannot_withdraw(foster_user):
    applicant = new_applicant(foster_user)
    with pytest.raises(FosterRuleError, match="理由を入力"):
        services.applicant_close(
            actor=foster_user,
            applicant=applicant,
            status="withdrawn",
            closed_on=date(2026, 4, 2),
            reason=" ",
        )
    home = certified_home(foster_user, name="認定済")
    with pytest.raises(FosterRuleError, match="手続き中の申込みだけ"):
        services.applicant_close(
            actor=foster_user,
            applicant=home.applicant,
            status="withdrawn",
            closed_on=date(2026, 7, 2),
            reason="辞退",
        )


def test_a_closed_application_is_reopened_by_a_new_one_linked_to_it(foster_user):
    old = take_to(foster_user, new_applicant(foster_user), Stage.TRAINING)
    services.applicant_close(
        actor=foster_user,
        applicant=old,
        status="withdrawn",
        closed_on=date(2026, 5, 1),
        reason="仕事の都合",
    )
    new = services.applicant_reopen(actor=foster_user, previous=old, opened_on=date(2026, 9, 1))
    assert new.previous == old and new.stage == 0 and new.is_active
    assert new.name == old.name and new.foster_type == old.foster_type
    old.refresh_from_db()
    assert old.status == ApplicantStatus.WITHDRAWN and old.reopened_as == new
    with pytest.raises(FosterRuleError, match="すでに新たな申込みとして再開"):
        services.applicant_reopen(actor=foster_user, previous=old, opened_on=date(2026, 9, 2))


def test_an_active_application_cannot_be_reopened(foster_user):
    active = new_applicant(foster_user)
    with pytest.raises(FosterRuleError, match="辞退・不認定となった申込みだけ"):
        services.applicant_reopen(actor=foster_user, previous=active, opened_on=date(2026, 9, 1))


def test_certification_creates_a_home_with_type_capacity_and_expiry(foster_user):
    home = certified_home(foster_user)
    assert home.foster_type == "nurturing" and home.capacity == 4
    assert home.registered_on == date(2026, 5, 31)
    assert home.expires_on == date(2031, 5, 30)
    assert HomeSlot.objects.filter(home=home, active=True).count() == 4
    assert home.applicant.status == ApplicantStatus.CERTIFIED
    renewal = Deadline.objects.get(kind="foster_renewal")
    assert renewal.owner == foster_user and renewal.subject_id == str(home.pk)
    # due at the end of the last valid day, Asia/Tokyo
    assert timezone.localtime(renewal.due_at) == end_of_day(date(2031, 5, 30))


def test_capacity_by_type_is_configurable(foster_user, settings):
    specialist = certified_home(foster_user, foster_type="specialist", name="専門")
    assert specialist.capacity == 2 and specialist.expires_on == date(2028, 5, 30)
    kinship = certified_home(foster_user, foster_type="kinship", name="親族")
    assert kinship.expires_on is None
    with pytest.raises(FosterRuleError, match="受託人数は1〜2人"):
        services.home_set_capacity(actor=foster_user, home=specialist, capacity=3)
    settings.MIMAMORI_FOSTER_CAPACITY = {**settings.MIMAMORI_FOSTER_CAPACITY, "specialist": 3}
    services.home_set_capacity(actor=foster_user, home=specialist, capacity=3)
    assert HomeSlot.objects.filter(home=specialist, active=True).count() == 3


def test_capacity_is_set_at_certification_within_the_maximum(foster_user):
    applicant = take_to(foster_user, new_applicant(foster_user), Stage.COUNCIL)
    with pytest.raises(FosterRuleError, match="受託人数は1〜4人"):
        services.step_record(
            actor=foster_user, applicant=applicant, stage=6, done_on=date(2026, 7, 1), capacity=5
        )
    assert not Home.objects.exists() and not Step.objects.filter(stage=6).exists()


def test_only_foster_staff_record_stages(foster_user, supervisor, caseworker):
    applicant = new_applicant(foster_user)
    for user in (supervisor, caseworker):
        with pytest.raises(PermissionDenied):
            services.step_record(actor=user, applicant=applicant, stage=1, done_on=START)
        with pytest.raises(PermissionDenied), rolled_back():
            new_applicant(user)
