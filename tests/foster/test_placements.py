"""Homes, renewals and placements: capacity and one placement per child enforced by the services
and by the database; an expired home takes no new placement; the renewal ledger (issue 10)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.models import CaseEvent, Deadline
from foster import services
from foster.choices import Course, HomeStatus, PlacementState
from foster.models import Home, HomeSlot, Placement
from foster.services import FosterRuleError
from tests.factories import ChildFactory, end_placement, open_case, propose_placement
from tests.foster.conftest import certified_home

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 2)


def cases(n, supervisor, team, lead):
    return [
        open_case(actor=supervisor, child=ChildFactory(), team=team, lead=lead) for _ in range(n)
    ]


def place(case, home, foster_user, *, start=date(2026, 7, 1)):
    proposal = propose_placement(
        actor=case.lead,
        case=case,
        home=home,
        planned_start=start,
        needs="夜尿への配慮",
        today=TODAY,
    )
    return services.placement_confirm(
        actor=foster_user, placement=proposal, started_on=start, today=TODAY
    )


def test_a_proposed_placement_is_confirmed_into_a_free_place(home, case, caseworker, foster_user):
    proposal = propose_placement(
        actor=caseworker, case=case, home=home, planned_start=date(2026, 7, 1), today=TODAY
    )
    assert proposal.state == PlacementState.PROPOSED and proposal.slot is None
    placement = services.placement_confirm(
        actor=foster_user, placement=proposal, started_on=date(2026, 7, 3), today=TODAY
    )
    assert placement.state == PlacementState.ACTIVE and placement.slot.number == 1
    assert placement.child_id == case.child_id
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert "placement_proposed" in kinds and "placement_started" in kinds
    started = CaseEvent.objects.get(case=case, kind="placement_started")
    assert home.name in started.words and "委託開始日" in started.words
    assert home.name not in str(started.params)  # the family's name only in the encrypted part


def test_never_more_children_than_the_capacity(home, supervisor, team_a, caseworker, foster_user):
    services.home_set_capacity(actor=foster_user, home=home, capacity=2)
    first, second, third = cases(3, supervisor, team_a, caseworker)
    place(first, home, foster_user)
    place(second, home, foster_user)
    with pytest.raises(FosterRuleError, match="定員に達しています"):
        propose_placement(
            actor=caseworker, case=third, home=home, planned_start=date(2026, 7, 1), today=TODAY
        )
    assert Placement.objects.current().filter(home=home).count() == 2


def test_a_full_home_refuses_a_confirmation_of_an_earlier_proposal(
    home, supervisor, team_a, caseworker, foster_user
):
    services.home_set_capacity(actor=foster_user, home=home, capacity=1)
    first, second = cases(2, supervisor, team_a, caseworker)
    waiting = propose_placement(
        actor=caseworker, case=second, home=home, planned_start=date(2026, 7, 1), today=TODAY
    )
    place(first, home, foster_user)
    with pytest.raises(FosterRuleError, match="定員に達しています（委託中 1/1 名）"):
        services.placement_confirm(
            actor=foster_user, placement=waiting, started_on=date(2026, 7, 1), today=TODAY
        )


def test_capacity_cannot_drop_below_the_children_placed(
    home, supervisor, team_a, caseworker, foster_user
):
    first, second = cases(2, supervisor, team_a, caseworker)
    place(first, home, foster_user)
    place(second, home, foster_user)
    services.home_set_capacity(actor=foster_user, home=home, capacity=2)
    assert HomeSlot.objects.filter(home=home, active=True).count() == 2
    with pytest.raises(FosterRuleError, match="2 名が委託中"):
        services.home_set_capacity(actor=foster_user, home=home, capacity=1)


def test_one_child_is_never_in_two_placements(case, foster_user, caseworker):
    first = certified_home(foster_user, name="一")
    second = certified_home(foster_user, name="二")
    place(case, first, foster_user)
    with pytest.raises(FosterRuleError, match="すでに里親に委託されています"):
        propose_placement(
            actor=caseworker, case=case, home=second, planned_start=date(2026, 8, 1), today=TODAY
        )


def test_an_expired_home_takes_no_new_placement(case, caseworker, foster_user):
    expired = certified_home(foster_user, foster_type="specialist", opened_on=date(2023, 1, 10))
    assert expired.expires_on < TODAY
    with pytest.raises(FosterRuleError, match="有効期間が過ぎています"):
        propose_placement(
            actor=caseworker, case=case, home=expired, planned_start=TODAY, today=TODAY
        )


def test_a_proposal_for_a_home_that_expires_meanwhile_is_not_confirmed(
    case, caseworker, foster_user
):
    soon = certified_home(foster_user, foster_type="specialist", opened_on=date(2024, 10, 1))
    assert soon.expires_on == date(2026, 11, 29)
    proposal = propose_placement(
        actor=caseworker,
        case=case,
        home=soon,
        planned_start=date(2026, 11, 1),
        today=date(2026, 10, 1),
    )
    with pytest.raises(FosterRuleError, match="有効期間が過ぎています"):
        services.placement_confirm(
            actor=foster_user, placement=proposal, started_on=date(2026, 11, 1), today=TODAY
        )


def test_renewal_needs_renewal_training_and_extends_the_registration(foster_user):
    home = certified_home(foster_user, foster_type="specialist", opened_on=date(2024, 12, 20))
    assert home.expires_on == date(2027, 2, 17)
    with pytest.raises(FosterRuleError, match="更新研修の受講を記録してから"):
        services.home_renew(actor=foster_user, home=home, renewed_on=TODAY, today=TODAY)
    services.training_record(
        actor=foster_user,
        applicant=home.applicant,
        course=Course.RENEWAL,
        attended_on=date(2026, 11, 20),
        today=TODAY,
    )
    renewal = services.home_renew(actor=foster_user, home=home, renewed_on=TODAY, today=TODAY)
    home.refresh_from_db()
    assert renewal.previous_expiry == date(2027, 2, 17)
    assert home.expires_on == renewal.new_expiry == date(2029, 2, 17)
    ledger = Deadline.objects.filter(kind="foster_renewal", subject_id=str(home.pk))
    assert sorted(ledger.values_list("state", flat=True)) == ["met", "open"]
    assert ledger.get(state="met").evidence_type == "foster.Renewal"
    # the same training does not count twice
    with pytest.raises(FosterRuleError, match="更新研修の受講を記録してから"):
        services.home_renew(actor=foster_user, home=home, renewed_on=TODAY, today=TODAY)


def test_an_expired_registration_is_not_renewed(foster_user):
    home = certified_home(foster_user, foster_type="specialist", opened_on=date(2023, 1, 10))
    with pytest.raises(FosterRuleError, match="更新はできません"):
        services.home_renew(actor=foster_user, home=home, renewed_on=TODAY, today=TODAY)


def test_a_kinship_registration_ends_with_its_placement(case, foster_user):
    kinship = certified_home(foster_user, foster_type="kinship", name="祖父母")
    placement = place(case, kinship, foster_user)
    end_placement(
        actor=foster_user,
        placement=placement,
        ended_on=date(2026, 10, 1),
        end_kind="home",
        reason="家庭復帰",
        today=TODAY,
    )
    kinship.refresh_from_db()
    assert kinship.status == HomeStatus.ENDED and kinship.ended_on == date(2026, 10, 1)
    placement.refresh_from_db()
    assert placement.state == PlacementState.ENDED and placement.end_reason == "家庭復帰"


def test_an_ended_placement_frees_the_place_and_the_child(home, case, foster_user, caseworker):
    placement = place(case, home, foster_user)
    end_placement(
        actor=foster_user,
        placement=placement,
        ended_on=date(2026, 9, 1),
        end_kind="home",
        reason="家庭復帰",
        today=TODAY,
    )
    proposal = propose_placement(
        actor=caseworker, case=case, home=home, planned_start=date(2026, 9, 2), today=TODAY
    )
    with pytest.raises(FosterRuleError, match="以前の委託の期間と重なります"):
        services.placement_confirm(
            actor=foster_user, placement=proposal, started_on=date(2026, 8, 1), today=TODAY
        )
    again = services.placement_confirm(
        actor=foster_user, placement=proposal, started_on=date(2026, 9, 2), today=TODAY
    )
    assert again.is_active and again.slot.number == 1


def test_a_proposal_is_withdrawn_with_a_reason(home, case, caseworker):
    proposal = propose_placement(
        actor=caseworker, case=case, home=home, planned_start=date(2026, 7, 1), today=TODAY
    )
    with pytest.raises(FosterRuleError, match="理由"):
        services.placement_withdraw(actor=caseworker, placement=proposal, reason="")
    services.placement_withdraw(actor=caseworker, placement=proposal, reason="親族が引き取り")
    proposal.refresh_from_db()
    assert proposal.state == PlacementState.WITHDRAWN


def test_who_proposes_and_who_confirms(home, case, caseworker, other_worker, foster_user):
    with pytest.raises(PermissionDenied):
        propose_placement(
            actor=foster_user, case=case, home=home, planned_start=date(2026, 7, 1), today=TODAY
        )
    with pytest.raises(PermissionDenied):
        propose_placement(
            actor=other_worker, case=case, home=home, planned_start=date(2026, 7, 1), today=TODAY
        )
    proposal = propose_placement(
        actor=caseworker, case=case, home=home, planned_start=date(2026, 7, 1), today=TODAY
    )
    with pytest.raises(PermissionDenied):
        services.placement_confirm(
            actor=caseworker, placement=proposal, started_on=date(2026, 7, 1), today=TODAY
        )


# --- the database's own guard: what a bug in Python would let through --------------------


def _active(case, home, slot):
    return Placement(
        child=case.child,
        case=case,
        home=home,
        slot=slot,
        state=PlacementState.ACTIVE,
        planned_start=date(2026, 7, 1),
        started_on=date(2026, 7, 1),
        proposed_by=case.lead,
    )


def test_the_database_refuses_two_children_in_one_place(
    home, supervisor, team_a, caseworker, foster_user
):
    first, second = cases(2, supervisor, team_a, caseworker)
    slot = HomeSlot.objects.get(home=home, number=1)
    _active(first, home, slot).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _active(second, home, slot).save()


def test_the_database_refuses_one_child_in_two_placements(case, foster_user):
    first, second = certified_home(foster_user, name="一"), certified_home(foster_user, name="二")
    _active(case, first, first.slots.first()).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _active(case, second, second.slots.first()).save()


def test_the_database_refuses_an_active_placement_without_a_place(home, case):
    with pytest.raises(IntegrityError), transaction.atomic():
        _active(case, home, None).save()


# --- the renewal ledger ------------------------------------------------------------------


def test_run_reminders_opens_each_renewal_once_and_closes_those_of_ended_homes(foster_user, case):
    from casework.models import Deadline

    home = certified_home(foster_user)
    Deadline.objects.filter(kind="foster_renewal").delete()  # a home from before the ledger
    now = timezone.now()
    assert services.sync_foster_deadlines(now) == {"里親登録": 1}
    assert services.sync_foster_deadlines(now) == {"里親登録": 0}
    Home.objects.filter(pk=home.pk).update(status=HomeStatus.ENDED)
    services.sync_foster_deadlines(now + timedelta(minutes=1))
    assert not Deadline.objects.filter(kind="foster_renewal", state="open").exists()


def test_foster_staff_see_every_renewal_and_caseworkers_none(foster_user, caseworker):
    from casework.models import Deadline
    from tests.factories import UserFactory

    colleague = UserFactory(username="foster_b", roles=["foster"])
    certified_home(foster_user, worker=colleague)
    renewal = Deadline.objects.get(kind="foster_renewal")
    assert renewal.owner == colleague
    assert Deadline.objects.visible_to(foster_user).filter(pk=renewal.pk).exists()
    assert not Deadline.objects.visible_to(caseworker).filter(pk=renewal.pk).exists()
