"""Actions on the case file through the browser's forms: Japanese errors, nothing saved."""

import pytest
from django.urls import reverse

from casework import services
from casework.models import Case, CaseNote, SchoolLiaison

pytestmark = pytest.mark.django_db


def url(name, case):
    return reverse(f"casework:{name}", args=[case.pk])


def test_worker_adds_a_home_visit_note_that_shows_on_the_timeline(case, caseworker, login):
    client = login(caseworker)
    response = client.post(
        url("note_add", case),
        {"kind": "home_visit", "occurred_at": "2026-11-20T15:30", "body": "家庭訪問。居室は清潔。"},
    )
    assert response.status_code == 302
    page = client.get(url("case_detail", case)).content.decode()
    assert "家庭訪問。居室は清潔。" in page and "記録を追加しました。" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"kind": "phone", "occurred_at": "2026-13-01T10:00", "body": "x"},
            "日時を入力してください",
        ),
        (
            {"kind": "phone", "occurred_at": "2026-11-20T10:00", "body": ""},
            "記録の内容を入力してください",
        ),
        ({"kind": "nonsense", "occurred_at": "2026-11-20T10:00", "body": "x"}, "正しく選択"),
        ({"kind": "phone", "occurred_at": "2099-01-01T10:00", "body": "x"}, "未来の日時"),
    ],
)
def test_bad_note_input_is_refused_with_a_message_and_saves_nothing(
    data, message, case, caseworker, login
):
    response = login(caseworker).post(url("note_add", case), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not CaseNote.objects.exists()


def test_illegal_status_move_is_explained(case, caseworker, login):
    response = login(caseworker).post(url("status_move", case), {"to": "in_support"})
    assert response.status_code == 400
    assert "へは移せません" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_the_next_step_is_named_on_its_button_and_the_message_names_the_new_state(
    case, caseworker, login
):
    """Issue 12 item 9: no state pre-picked from a list; the button says where the case goes."""
    client = login(caseworker)
    page = client.get(url("case_detail", case)).content.decode()
    assert "「調査」に進める" in page and '<select name="to"' not in page
    response = client.post(url("status_move", case), {"to": "investigation"}, follow=True)
    assert "状態を「調査」に変更しました。" in response.content.decode()


def test_a_judgment_records_its_basis(case, caseworker, login):
    client = login(caseworker)
    client.post(url("status_move", case), {"to": "investigation"})
    page = client.get(url("case_detail", case)).content.decode()
    assert "判定の根拠（判定会議の日付・結論など）" in page
    response = client.post(url("status_move", case), {"to": "judgment", "reason": " "})
    assert response.status_code == 400
    assert response.context["status_form"].errors["reason"] == [
        "判定の根拠（判定会議の日付・結論など）を入力してください。"
    ]
    assert Case.objects.get(pk=case.pk).status == "investigation"
    response = client.post(
        url("status_move", case), {"to": "judgment", "reason": "11/20 判定会議：在宅指導"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == "judgment"


def test_supervisor_cannot_approve_own_closure_through_the_page(case, supervisor, login):
    client = login(supervisor)
    client.post(url("closure_request", case), {"outcome": "home", "reason": "主訴解消"})
    response = client.post(url("closure_decide", case), {"closure-decision": "approve"})
    assert response.status_code == 400
    assert "自分が申請した終結は承認できません" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status != "closed"


def test_caseworker_cannot_decide_a_plan(case, caseworker, login):
    response = login(caseworker).post(url("plan_decide", case), {"plan-decision": "approve"})
    assert response.status_code == 403


def test_intake_and_auditor_cannot_post_to_a_case(case, intake_user, auditor, login):
    data = {"kind": "phone", "occurred_at": "2026-11-20T10:00", "body": "x"}
    assert login(intake_user).post(url("note_add", case), data).status_code == 403
    assert login(auditor).post(url("note_add", case), data).status_code == 403
    assert not CaseNote.objects.exists()


def test_supervisor_transfers_and_the_old_lead_gets_404(
    case, supervisor, caseworker, coworker, login
):
    response = login(supervisor).post(
        url("transfer", case), {"team": case.team_id, "new_lead": coworker.pk, "reason": "担当替え"}
    )
    assert response.status_code == 302
    assert login(caseworker).get(url("case_detail", case)).status_code == 404
    assert login(coworker).get(url("case_detail", case)).status_code == 200


def test_transfer_without_reason_is_refused(case, supervisor, coworker, login):
    response = login(supervisor).post(
        url("transfer", case), {"team": case.team_id, "new_lead": coworker.pk, "reason": ""}
    )
    assert response.status_code == 400
    assert "移管の理由を入力してください" in response.content.decode()
    assert Case.objects.get(pk=case.pk).lead_id == case.lead_id


def test_school_liaison_is_recorded_and_encrypted(case, caseworker, login):
    response = login(caseworker).post(
        url("school_add", case),
        {
            "school": "港区立芝浦小学校",
            "contacted_on": "2026-11-18",
            "contact_person": "副校長",
            "agreed": "欠席が続く場合は当日中に連絡をもらう。",
        },
    )
    assert response.status_code == 302
    liaison = SchoolLiaison.objects.get()
    assert liaison.agreed.startswith("欠席が続く")


def test_closed_case_shows_no_actions(case, caseworker, supervisor, login):
    services.case_request_closure(actor=caseworker, case=case, outcome="home", reason="終了")
    services.case_decide_closure(actor=supervisor, case=case, approve=True)
    page = login(caseworker).get(url("case_detail", case)).content.decode()
    assert "記録を保存" not in page and "終結しています" in page


def test_lead_pickers_group_staff_by_team_and_refuse_a_lead_of_another_team(
    case, supervisor, caseworker, other_worker, team_b, login
):
    """Issue 12 item 10: the 主担当 list showed both teams whatever team was chosen."""
    from casework.models import Membership

    Membership.objects.create(team=team_b, user=supervisor, is_supervisor=True)
    client = login(supervisor)
    page = client.get(url("case_detail", case)).content.decode()
    assert f'<optgroup label="{case.team}">' in page and f'<optgroup label="{team_b}">' in page
    response = client.post(
        url("transfer", case),
        {"team": case.team_id, "new_lead": other_worker.pk, "reason": "担当替え"},
    )
    assert response.status_code == 400
    assert response.context["transfer_form"].errors["new_lead"] == [
        f"{case.team}の職員から選んでください。"
    ]
    assert Case.objects.get(pk=case.pk).lead == caseworker
