"""Persona tests for every intake page and action (PRODUCT §2: 404 outside scope, 403 for role)."""

from datetime import date

import pytest
from django.urls import reverse

from casework.choices import AccessAction, Category
from casework.models import AccessLog, Case, Child
from intake.models import Consultation
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

BIRTH = date(2019, 8, 3)

ROLES_ELSEWHERE = {"shelter_user": 403, "foster_user": 403, "auditor": 403, "admin_user": 403}
QUEUE = {
    "intake_user": 200,
    "supervisor": 200,
    "other_supervisor": 200,  # their own (empty) queue
    "caseworker": 403,
    "coworker": 403,
    "other_worker": 403,
    **ROLES_ELSEWHERE,
    "anonymous": 302,
}
# GET /intake/<id>/ of an open report received by team A.
DETAIL_OPEN = {
    "intake_user": 200,
    "supervisor": 200,
    "other_supervisor": 404,
    "caseworker": 404,
    "coworker": 404,
    "other_worker": 404,
    **ROLES_ELSEWHERE,
    "anonymous": 302,
}
# The same report once accepted into a case led by `caseworker`.
DETAIL_ACCEPTED = {**DETAIL_OPEN, "caseworker": 200}


def assert_status(response, expected):
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "expected"), QUEUE.items())
def test_queue_answers_each_persona(name, expected, persona, login, report):
    assert_status(login(persona(name)).get(reverse("intake:queue")), expected)


@pytest.mark.parametrize(("name", "expected"), QUEUE.items())
def test_new_consultation_form_answers_each_persona(name, expected, persona, login):
    assert_status(login(persona(name)).get(reverse("intake:new")), expected)


@pytest.mark.parametrize(("name", "expected"), DETAIL_OPEN.items())
def test_detail_of_an_open_report_answers_each_persona(name, expected, persona, login, report):
    assert_status(login(persona(name)).get(reverse("intake:detail", args=[report.pk])), expected)


@pytest.mark.parametrize(("name", "expected"), DETAIL_ACCEPTED.items())
def test_detail_of_an_accepted_report_answers_each_persona(
    name, expected, persona, login, accepted_report
):
    url = reverse("intake:detail", args=[accepted_report.pk])
    assert_status(login(persona(name)).get(url), expected)


def test_each_view_of_a_consultation_is_logged(report, intake_user, login):
    login(intake_user).get(reverse("intake:detail", args=[report.pk]))
    log = AccessLog.objects.get(record_type="intake.Consultation")
    assert (log.user, log.record_id, log.action) == (intake_user, str(report.pk), "view")


def test_the_queue_lists_open_clocks_most_urgent_first(make_consultation, intake_user, login):
    from tests.intake.conftest import tokyo

    later = make_consultation(category=Category.ABUSE, received_at=tokyo(2026, 11, 29, 9, 0))
    overdue = make_consultation(category=Category.ABUSE, received_at=tokyo(2026, 11, 26, 9, 0))
    make_consultation(category=Category.PARENTING)
    page = login(intake_user).get(reverse("intake:queue"))
    assert [c.pk for c in page.context["clocks"]] == [overdue.pk, later.pk]
    body = page.content.decode()
    assert "期限超過" in body and "deadline--overdue" in body
    assert "あと 1日19時間" in body  # received 09:00, now just after 13:00
    assert page.context["page"].paginator.count == 1  # the rest: the parenting consultation


def test_the_intake_queue_shows_no_case_links(accepted_report, intake_user, login):
    body = login(intake_user).get(reverse("intake:queue") + "?status=all").content.decode()
    assert accepted_report.case.number in body
    assert reverse("casework:case_detail", args=[accepted_report.case_id]) not in body
    detail = login(intake_user).get(reverse("intake:detail", args=[accepted_report.pk]))
    assert reverse("casework:case_detail", args=[accepted_report.case_id]) not in (
        detail.content.decode()
    )


def test_queue_filters_are_validated(intake_user, login):
    response = login(intake_user).get(
        reverse("intake:queue") + "?received_from=2026-11-10&received_to=2026-11-01"
    )
    assert response.status_code == 200
    assert "受付日の範囲が逆になっています" in response.content.decode()


# --- the reporter ----------------------------------------------------------------------------

SECRETS = ("近所 花子", "090-1111-2222", "近隣住民")


def assert_reporter_hidden(body: str) -> None:
    for secret in SECRETS:
        assert secret not in body
    assert "非開示" in body


@pytest.mark.parametrize("who", ["intake_user", "supervisor", "caseworker"])
def test_the_reporter_is_masked_on_the_page_until_revealed(who, request, accepted_report, login):
    body = login(request.getfixturevalue(who)).get(
        reverse("intake:detail", args=[accepted_report.pk])
    )
    assert_reporter_hidden(body.content.decode())


def test_the_intake_worker_cannot_reveal_the_reporter(report, intake_user, login):
    client = login(intake_user)
    body = client.get(reverse("intake:detail", args=[report.pk])).content.decode()
    assert "通告者を表示" not in body
    response = client.post(reverse("intake:reveal_reporter", args=[report.pk]))
    assert response.status_code == 403
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL).exists()


@pytest.mark.parametrize("who", ["supervisor", "caseworker"])
def test_the_supervisor_and_the_lead_reveal_the_reporter_and_it_is_logged(
    who, request, accepted_report, login
):
    user = request.getfixturevalue(who)
    response = login(user).post(reverse("intake:reveal_reporter", args=[accepted_report.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    for secret in SECRETS:
        assert secret in body
    log = AccessLog.objects.get(action=AccessAction.REVEAL)
    assert (log.user, log.record_id) == (user, str(accepted_report.pk))


@pytest.mark.parametrize(
    ("who", "expected"),
    [("coworker", 404), ("other_supervisor", 404), ("auditor", 403), ("anonymous", 302)],
)
def test_others_cannot_reveal_the_reporter(who, expected, persona, accepted_report, login):
    response = login(persona(who)).post(
        reverse("intake:reveal_reporter", args=[accepted_report.pk])
    )
    assert response.status_code == expected
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL).exists()


def test_a_coworker_on_the_case_sees_the_report_but_not_the_reporter(
    accepted_report, supervisor, coworker, login
):
    from casework.services import case_add_worker

    case_add_worker(actor=supervisor, case=accepted_report.case, user=coworker, role="psych")
    client = login(coworker)
    page = client.get(reverse("intake:detail", args=[accepted_report.pk]))
    assert page.status_code == 200
    assert_reporter_hidden(page.content.decode())
    assert (
        client.post(reverse("intake:reveal_reporter", args=[accepted_report.pk])).status_code == 403
    )


def test_the_reporter_never_reaches_the_queue_dashboard_or_case_timeline(
    accepted_report, intake_user, supervisor, caseworker, login
):
    pages = [
        (intake_user, reverse("intake:queue") + "?status=all"),
        (supervisor, reverse("casework:dashboard")),
        (caseworker, reverse("casework:case_detail", args=[accepted_report.case_id])),
        (caseworker, reverse("casework:child_detail", args=[accepted_report.child_id])),
    ]
    for user, url in pages:
        response = login(user).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, url


def test_the_audit_desk_masks_the_reporter(report, auditor, login):
    response = login(auditor).get(reverse("audit:changes") + "?record_type=intake.Consultation")
    assert response.status_code == 200
    body = response.content.decode()
    for secret in SECRETS:
        assert secret not in body


# --- new consultation through the form ------------------------------------------------------


def test_the_intake_worker_records_an_anonymous_report_for_a_new_child(
    form_data, intake_user, login
):
    response = login(intake_user).post(reverse("intake:new"), form_data())
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:detail", args=[consultation.pk])
    assert consultation.reporter_anonymous
    assert consultation.abuse_types == ["physical", "psychological"]
    assert consultation.child.full_name == "森 陽葵"
    assert consultation.received_by == intake_user


def test_an_adult_is_refused_next_to_the_birth_date_and_nothing_is_saved(
    form_data, intake_user, login
):
    response = login(intake_user).post(
        reverse("intake:new"), form_data(**{"child-birth_date": "2008-11-01"})
    )
    assert response.status_code == 400
    errors = response.context["child_form"].errors["birth_date"]
    assert errors == ["18歳以上の方の相談は受け付けられません（児童福祉法4条）。"]
    assert 'id="id_child-birth_date_error"' in response.content.decode()
    assert not Consultation.objects.exists() and not Child.objects.exists()


def test_shoho_over_14_is_refused_next_to_the_act_date(form_data, intake_user, login):
    data = form_data(
        category=str(Category.SHOHO),
        act_date="2026-11-20",
        **{"child-birth_date": "2012-06-01"},
    )
    response = login(intake_user).post(reverse("intake:new"), data)
    assert response.status_code == 400
    assert "刑法41条" in response.context["form"].errors["act_date"][0]
    assert not Consultation.objects.exists()


def test_bad_input_is_a_clear_message_not_a_500(intake_user, login):
    response = login(intake_user).post(reverse("intake:new"), {"received_at": "yesterday"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "日時を入力してください" in body
    assert "相談種別を選んでください" in body


def test_an_exact_duplicate_is_offered_before_saving_and_can_be_linked(
    form_data, intake_user, login
):
    existing = ChildFactory(
        family_name="森",
        given_name="陽葵",
        family_name_kana="もり",
        given_name_kana="ひまり",
        birth_date=BIRTH,
    )
    client = login(intake_user)
    # Katakana and spaces still match the blind index.
    data = form_data(**{"child-family_name_kana": "モリ", "child-given_name_kana": "ヒマリ "})
    step2 = client.post(reverse("intake:new"), data)
    assert step2.status_code == 200
    assert [c.child.pk for c in step2.context["candidates"]] == [existing.pk]
    assert "この児童に紐づける" in step2.content.decode()
    assert not Consultation.objects.exists()

    done = client.post(reverse("intake:new"), {**data, "child": f"link:{existing.pk}"})
    assert done.status_code == 302
    assert Consultation.objects.get().child == existing
    assert Child.objects.count() == 1  # linked, not duplicated, not merged


def test_the_worker_may_confirm_a_new_child_despite_a_match(form_data, intake_user, login):
    ChildFactory(family_name_kana="もり", given_name_kana="ひまり", birth_date=BIRTH)
    response = login(intake_user).post(reverse("intake:new"), form_data(child="new"))
    assert response.status_code == 302
    assert Child.objects.count() == 2


def test_a_similar_name_is_offered_only_among_visible_children(
    form_data, make_consultation, intake_user, login
):
    seen = ChildFactory(family_name_kana="もり", given_name_kana="ひなた", birth_date=BIRTH)
    make_consultation(child=seen)  # team A's consultation: visible to the intake worker
    ChildFactory(family_name_kana="もり", given_name_kana="ひより", birth_date=BIRTH)
    response = login(intake_user).post(reverse("intake:new"), form_data())
    candidates = response.context["candidates"]
    assert [(c.child.pk, c.exact) for c in candidates] == [(seen.pk, False)]


def test_linking_a_child_who_is_not_a_candidate_is_refused(form_data, intake_user, login):
    stranger = ChildFactory()
    response = login(intake_user).post(
        reverse("intake:new"), form_data(child=f"link:{stranger.pk}")
    )
    assert response.status_code == 400
    assert not Consultation.objects.exists()


def test_a_new_consultation_for_a_known_child_starts_from_the_child(
    form_data, make_consultation, intake_user, login
):
    first = make_consultation()
    client = login(intake_user)
    page = client.get(reverse("intake:new") + f"?child={first.child_id}")
    assert page.status_code == 200 and page.context["known"] == first.child
    response = client.post(
        reverse("intake:new"), form_data(child=f"known:{first.child_id}", category="15")
    )
    assert response.status_code == 302
    assert Consultation.objects.filter(child=first.child).count() == 2


def test_a_child_outside_the_users_scope_cannot_be_started_from(intake_user, login):
    stranger = ChildFactory()
    response = login(intake_user).get(reverse("intake:new") + f"?child={stranger.pk}")
    assert response.status_code == 404


# --- accept, close, safety confirmation -----------------------------------------------------


def test_the_supervisor_accepts_into_a_case_and_lands_on_it(
    report, supervisor, caseworker, team_a, login
):
    response = login(supervisor).post(
        reverse("intake:accept", args=[report.pk]), {"team": team_a.pk, "lead": caseworker.pk}
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case_detail", args=[case.pk])
    assert login(caseworker).get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("who", "expected"),
    [("intake_user", 403), ("caseworker", 403), ("other_supervisor", 404), ("auditor", 403)],
)
def test_only_the_teams_supervisor_may_accept(who, expected, persona, report, caseworker, login):
    response = login(persona(who)).post(
        reverse("intake:accept", args=[report.pk]),
        {"team": report.team_id, "lead": caseworker.pk},
    )
    assert response.status_code == expected
    assert not Case.objects.exists()


def test_accepting_without_a_lead_says_what_to_do(report, supervisor, team_a, login):
    response = login(supervisor).post(
        reverse("intake:accept", args=[report.pk]), {"team": team_a.pk}
    )
    assert response.status_code == 400
    assert "主担当の職員を選んでください" in response.content.decode()


def test_the_supervisor_closes_a_consultation_without_a_case(make_consultation, supervisor, login):
    consultation = make_consultation()
    response = login(supervisor).post(
        reverse("intake:decline", args=[consultation.pk]),
        {"outcome": "referral", "note": "港区子ども家庭支援センターへ紹介"},
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.get_status_display() == "ケース化せず終了"


def test_the_caseworker_records_the_safety_confirmation_and_the_clock_stops(
    accepted_report, caseworker, login
):
    client = login(caseworker)
    response = client.post(
        reverse("intake:safety_add", args=[accepted_report.pk]),
        {
            "seen_at": "2026-11-21T10:30",
            "seen_by": "佐藤 福祉司",
            "agency": "centre",
            "place": "自宅",
            "method": "home_visit",
            "attempt_outcome": "seen",
            "notes": "外傷なし",
        },
    )
    assert response.status_code == 302
    accepted_report.refresh_from_db()
    assert not accepted_report.clock_open
    body = client.get(reverse("intake:detail", args=[accepted_report.pk])).content.decode()
    assert "安全確認済" in body


def test_a_phone_call_is_recorded_on_the_page_and_the_clock_keeps_running(
    accepted_report, caseworker, login
):
    client = login(caseworker)
    response = client.post(
        reverse("intake:safety_add", args=[accepted_report.pk]),
        {
            "seen_at": "2026-11-21T10:30",
            "seen_by": "佐藤",
            "agency": "centre",
            "place": "電話（母）",
            "method": "phone",
            "attempt_outcome": "not_seen",
        },
    )
    assert response.status_code == 302
    accepted_report.refresh_from_db()
    assert accepted_report.clock_open
    body = client.get(reverse("intake:detail", args=[accepted_report.pk])).content.decode()
    assert "電話での聞き取り" in body and "接触の試み" in body
    assert "48時間の期限は続きます" in body


@pytest.mark.parametrize(("who", "expected"), [("intake_user", 403), ("coworker", 404)])
def test_who_may_not_post_a_safety_confirmation(who, expected, persona, accepted_report, login):
    response = login(persona(who)).post(
        reverse("intake:safety_add", args=[accepted_report.pk]), {"seen_at": "2026-11-21T10:30"}
    )
    assert response.status_code == expected


def test_every_error_of_the_new_consultation_shows_on_the_first_submit(
    form_data, intake_user, login
):
    """Issue 12 item 1: required fields, kana, a future birth date, a future 受付日時, a missing
    abuse type and a missing reporter all come back together, each under its field."""
    data = form_data(
        channel="",
        received_at="2027-01-05T10:00",
        abuse_types=[],
        reporter_anonymous=None,
        reporter_name="",
        **{
            "child-given_name_kana": "Himari",
            "child-birth_date": "2027-01-01",
            "child-sex": "",
        },
    )
    response = login(intake_user).post(reverse("intake:new"), data)
    assert response.status_code == 400
    form, child_form = response.context["form"], response.context["child_form"]
    assert set(form.errors) >= {"channel", "received_at", "abuse_types", "reporter_name"}
    assert set(child_form.errors) >= {"given_name_kana", "birth_date", "sex"}
    body = response.content.decode()
    for name in ("id_channel", "id_received_at", "id_reporter_name", "id_child-birth_date"):
        assert f'id="{name}_error"' in body
    assert body.count('class="error-summary') == 1
    assert not Consultation.objects.exists() and not Child.objects.exists()


def test_the_reporter_name_is_badged_as_required_unless_anonymous(intake_user, login):
    body = login(intake_user).get(reverse("intake:new")).content.decode()
    label = body[body.index('for="id_reporter_name"') :]
    label = label[: label.index("</label>")]
    assert "匿名でなければ必須" in label and "任意" not in label
