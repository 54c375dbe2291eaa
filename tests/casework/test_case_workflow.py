"""Case status, plan, closure and transfer rules (PRODUCT §3; ISSUE 3)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from casework import services
from casework.choices import CaseStatus
from casework.models import Case, CaseEvent
from tests.factories import UserFactory, member_of

pytestmark = pytest.mark.django_db


def advance_to_judgment(case, actor):
    services.case_move_status(actor=actor, case=case, to=CaseStatus.INVESTIGATION)
    services.case_move_status(
        actor=actor, case=case, to=CaseStatus.JUDGMENT, reason="判定会議（所内）"
    )


def test_status_moves_forward_one_step_at_a_time(case, caseworker):
    with pytest.raises(services.CaseRuleError) as error:
        services.case_move_status(
            actor=caseworker, case=case, to=CaseStatus.JUDGMENT, reason="判定会議（所内）"
        )
    assert "「受理」から「判定」へは移せません" in error.value.messages[0]
    advance_to_judgment(case, caseworker)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.JUDGMENT


def test_plan_decided_only_by_supervisor_approval(case, caseworker):
    advance_to_judgment(case, caseworker)
    with pytest.raises(services.CaseRuleError):
        services.case_move_status(actor=caseworker, case=case, to=CaseStatus.PLAN_DECIDED)


def test_caseworker_cannot_approve_a_plan(case, caseworker):
    advance_to_judgment(case, caseworker)
    services.case_propose_plan(actor=caseworker, case=case, kind="home", detail="在宅支援")
    with pytest.raises(PermissionDenied):
        services.case_decide_plan(actor=caseworker, case=case, approve=True)


def test_supervisor_cannot_approve_their_own_plan(case, supervisor):
    advance_to_judgment(case, supervisor)
    services.case_propose_plan(actor=supervisor, case=case, kind="home", detail="在宅支援")
    with pytest.raises(services.CaseRuleError) as error:
        services.case_decide_plan(actor=supervisor, case=case, approve=True)
    assert "自分が申請した援助方針は承認できません" in error.value.messages[0]
    assert Case.objects.get(pk=case.pk).plan_state == "pending"


def test_approved_plan_moves_case_to_plan_decided_and_closure_needs_approval(
    case, caseworker, supervisor
):
    advance_to_judgment(case, caseworker)
    services.case_propose_plan(actor=caseworker, case=case, kind="home", detail="在宅支援")
    services.case_decide_plan(actor=supervisor, case=case, approve=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.PLAN_DECIDED
    assert case.plan_approved_by == supervisor
    services.case_move_status(actor=caseworker, case=case, to=CaseStatus.IN_SUPPORT)
    services.case_request_closure(actor=caseworker, case=case, outcome="home", reason="改善")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_SUPPORT
    services.case_decide_closure(
        actor=supervisor, case=case, approve=True, closed_on=date(2026, 11, 28)
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.closed_on == date(2026, 11, 28)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert "closure_decided" in kinds and "plan_decided" in kinds


def test_closed_case_is_read_only_but_stays(case, caseworker, supervisor):
    services.case_request_closure(actor=caseworker, case=case, outcome="home", reason="助言で終了")
    services.case_decide_closure(actor=supervisor, case=case, approve=True)
    case.refresh_from_db()
    with pytest.raises(services.CaseRuleError):
        services.note_add(
            actor=caseworker, case=case, kind="phone", occurred_at=case.created_at, body="追記"
        )
    assert Case.objects.visible_to(caseworker).filter(pk=case.pk).exists()


def test_transfer_takes_access_away_from_the_previous_worker(
    case, caseworker, coworker, supervisor, login
):
    services.case_transfer(
        actor=supervisor, case=case, new_lead=coworker, team=case.team, reason="担当替え"
    )
    assert not Case.objects.visible_to(caseworker).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(coworker).filter(pk=case.pk).exists()
    response = login(caseworker).get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == 404
    assert not caseworker.has_perm("casework.change_case", case)


def test_transfer_to_another_team_moves_supervisor_visibility(
    case, supervisor, other_supervisor, other_worker, team_b
):
    services.case_transfer(
        actor=supervisor, case=case, new_lead=other_worker, team=team_b, reason="転居"
    )
    assert not Case.objects.visible_to(supervisor).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(other_supervisor).filter(pk=case.pk).exists()


def test_transfer_refuses_a_worker_outside_the_target_team(case, supervisor, other_worker):
    with pytest.raises(services.CaseRuleError) as error:
        services.case_transfer(
            actor=supervisor, case=case, new_lead=other_worker, team=case.team, reason="誤り"
        )
    assert "の職員ではありません" in error.value.messages[0]


def test_added_coworker_gains_access(case, supervisor, coworker):
    services.case_add_worker(actor=supervisor, case=case, user=coworker, role="psych")
    assert Case.objects.visible_to(coworker).filter(pk=case.pk).exists()


def test_other_teams_supervisor_cannot_transfer(case, other_supervisor, other_worker, team_b):
    with pytest.raises(PermissionDenied):
        services.case_transfer(
            actor=other_supervisor, case=case, new_lead=other_worker, team=team_b, reason="x"
        )


def test_deactivated_worker_sees_nothing(case, caseworker):
    caseworker.is_active = False
    caseworker.save()
    assert not Case.objects.visible_to(caseworker).exists()


def test_second_supervisor_in_team_can_approve(case, caseworker, supervisor, team_a):
    second = member_of(UserFactory(username="sv_a2", roles=["supervisor"]), team_a, supervisor=True)
    services.case_request_closure(actor=supervisor, case=case, outcome="home", reason="終了")
    services.case_decide_closure(actor=second, case=case, approve=True)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
