"""Persona tests for the shelter pages (PRODUCT §2: 404 outside scope, 403 for the role) and
the admit / act / refuse flows over HTTP."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from casework.models import AccessLog, CaseNote
from shelter.models import ProtectionDecision, Stay
from tests.conftest import PERSONAS
from tests.factories import views_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def stay(case, admit, layout):
    """The team-A `case`'s child, in bed 101."""
    return admit(case, bed=layout[0])


BOARD = dict.fromkeys(PERSONAS, 403) | {
    "shelter_user": 200,
    "supervisor": 200,
    "other_supervisor": 200,
    "anonymous": 302,
}
STAY_DETAIL = dict.fromkeys(PERSONAS, 404) | {
    "caseworker": 200,  # the case's lead
    "supervisor": 200,
    "other_supervisor": 200,  # the board is shared; the stay is in the house
    "shelter_user": 200,
    "anonymous": 302,
}


@pytest.mark.parametrize(("name", "expected"), BOARD.items())
def test_board_answers_each_persona(name, expected, persona, login, layout):
    response = login(persona(name)).get(reverse("shelter:board"))
    assert response.status_code == expected


@pytest.mark.parametrize(("name", "expected"), BOARD.items())
def test_admit_page_answers_each_persona(name, expected, persona, login, layout):
    assert login(persona(name)).get(reverse("shelter:admit")).status_code == expected


@pytest.mark.parametrize(("name", "expected"), STAY_DETAIL.items())
def test_stay_detail_answers_each_persona(name, expected, stay, persona, login):
    response = login(persona(name)).get(reverse("shelter:stay_detail", args=[stay.pk]))
    assert response.status_code == expected


def test_shelter_staff_cannot_open_the_case_file_of_a_child_in_their_care(
    stay, shelter_user, login
):
    client = login(shelter_user)
    assert client.get(reverse("casework:case_detail", args=[stay.case_id])).status_code == 403
    assert client.get(reverse("casework:case_list")).status_code == 403


def test_shelter_staff_see_only_what_daily_care_needs(stay, caseworker, shelter_user, login):
    from django.utils import timezone

    CaseNote.objects.create(
        case=stay.case,
        kind="interview",
        occurred_at=timezone.now(),
        author=caseworker,
        body="母親との面接記録（秘）",
    )
    client = login(shelter_user)
    for url in (
        reverse("shelter:board"),
        reverse("shelter:stay_detail", args=[stay.pk]),
    ):
        page = client.get(url).content.decode()
        assert stay.child.full_name in page
        assert "卵" in page  # allergies
        assert "面接記録" not in page  # never case notes
        assert "泣き声" not in page  # nor the case summary
        assert "4-1-1" not in page  # nor the address


def test_caseworker_of_another_team_cannot_see_the_stay(stay, other_worker, login):
    client = login(other_worker)
    assert client.get(reverse("shelter:stay_detail", args=[stay.pk])).status_code == 404
    assert client.get(reverse("casework:child_detail", args=[stay.child_id])).status_code == 404
    response = client.post(
        reverse("shelter:consent", args=[stay.pk]), {"consent": "yes", "on": "2026-11-01"}
    )
    assert response.status_code == 404
    stay.refresh_from_db()
    assert not stay.parental_consent


def test_shelter_staff_see_children_in_care_and_recently_discharged_only(
    stay, admit, new_case, shelter_user, login, today
):
    from shelter import services

    old = admit(new_case(), started_on=today - timedelta(days=60))
    services.stay_discharge(
        actor=shelter_user,
        stay=old,
        ended_on=today - timedelta(days=31),
        destination="home",
        reason="帰宅",
    )
    client = login(shelter_user)
    assert client.get(reverse("casework:child_detail", args=[stay.child_id])).status_code == 200
    assert client.get(reverse("shelter:stay_detail", args=[old.pk])).status_code == 404
    assert client.get(reverse("casework:child_detail", args=[old.child_id])).status_code == 404


def test_viewing_a_stay_is_logged(stay, shelter_user, login):
    login(shelter_user).get(reverse("shelter:stay_detail", args=[stay.pk]))
    log = AccessLog.objects.latest("id")
    assert (log.user, log.record_type, log.record_id) == (
        shelter_user,
        "shelter.Stay",
        str(stay.pk),
    )


def test_board_shows_each_bed_the_occupancy_and_the_warrant_countdown(stay, shelter_user, login):
    page = login(shelter_user).get(reverse("shelter:board")).content.decode()
    assert page.count('class="bed-tile ') == 12
    assert page.count("bed-tile--occupied") == 1
    assert '<p class="stat__value">1<span class="stat__unit">/ 12</span>' in page
    assert "令状請求期限" in page and "あと 6日" in page
    assert 'data-chart-source="occupancy-data"' in page
    assert 'id="occupancy-data"' in page


def test_an_overdue_warrant_is_red_and_says_so(case, admit, shelter_user, login, today):
    admit(case, started_on=today - timedelta(days=8))
    page = login(shelter_user).get(reverse("shelter:board")).content.decode()
    assert "deadline--overdue" in page and "期限超過" in page
    assert "bed-tile--alert" in page


# --- protection decision and admission over HTTP ------------------------------------------


def decide(client, case, **overrides):
    data = {
        "decision-decided_on": "2026-11-20",
        "decision-grounds": "abuse",
        "decision-kind": "shelter",
        "decision-notes": "卵アレルギーに注意",
        **views_post("decision", case.lead, "2026-11-20"),
    }
    data.update(overrides)
    return client.post(reverse("shelter:decision_add", args=[case.pk]), data)


def admit_form(**overrides) -> dict:
    data = {"bed": "", "entrusted_to": "", "started_on": "2026-11-20", "parental_consent": "no"}
    data.update(overrides)
    return data


@pytest.fixture
def decision(case, caseworker, login, layout):
    """The case's worker decides 一時保護 on the case file."""
    response = decide(login(caseworker), case)
    assert response.status_code == 302
    return ProtectionDecision.objects.get(case=case)


def test_the_cases_worker_decides_protection_on_the_case_file(case, caseworker, login, layout):
    client = login(caseworker)
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "一時保護を決定する" in page
    response = decide(client, case)
    assert response.status_code == 302
    decision = ProtectionDecision.objects.get(case=case)
    assert decision.is_pending and decision.decided_by == caseworker
    page = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "入所の記録を待っています" in page


def test_a_decision_with_bad_input_saves_nothing(case, caseworker, login, layout):
    response = decide(
        login(caseworker), case, **{"decision-grounds": "", "decision-decided_on": "x"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "一時保護の理由を選んでください" in page and "日付を入力してください" in page
    assert not ProtectionDecision.objects.exists()


def test_other_teams_cannot_decide_protection_for_a_case(
    case, other_worker, other_supervisor, login
):
    for user in (other_worker, other_supervisor):
        assert decide(login(user), case).status_code == 404
    assert not ProtectionDecision.objects.exists()


def test_shelter_staff_see_pending_admissions_and_admit_from_the_list(
    decision, case, shelter_user, login, layout
):
    client = login(shelter_user)
    listing = client.get(reverse("shelter:admit")).content.decode()
    assert case.child.full_name in listing
    url = reverse("shelter:admit_decision", args=[decision.pk])
    form = client.get(url)
    assert form.status_code == 200 and "卵アレルギーに注意" in form.content.decode()
    log = AccessLog.objects.latest("id")
    assert (log.record_type, log.record_id) == ("casework.Child", str(case.child_id))
    response = client.post(url, admit_form(bed=str(layout[2].pk)))
    assert response.status_code == 302
    assert response["Location"] == reverse("shelter:board")
    stay = Stay.objects.get(child=case.child)
    assert stay.bed == layout[2] and stay.decision == decision
    assert stay.history.get().history_user == shelter_user
    decision.refresh_from_db()
    assert decision.state == "admitted"
    assert case.child.full_name not in client.get(reverse("shelter:admit")).content.decode()


def test_no_case_number_lookup_reveals_a_child_to_shelter_staff_or_other_teams(
    case, shelter_user, other_supervisor, login, layout
):
    """Issue 8: the old admission step looked up any open case by its number."""
    for user in (shelter_user, other_supervisor):
        page = login(user).get(reverse("shelter:admit"), {"case_number": case.number})
        assert case.child.full_name not in page.content.decode()


def test_another_teams_supervisor_neither_sees_nor_admits_a_teams_decision(
    decision, case, other_supervisor, login, layout
):
    client = login(other_supervisor)
    assert case.child.full_name not in client.get(reverse("shelter:admit")).content.decode()
    url = reverse("shelter:admit_decision", args=[decision.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, admit_form()).status_code == 404
    assert not Stay.objects.exists()


def test_admit_with_bad_input_saves_nothing_and_answers_400(decision, shelter_user, login):
    response = login(shelter_user).post(
        reverse("shelter:admit_decision", args=[decision.pk]),
        admit_form(started_on="20261120x", parental_consent=""),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "日付を入力してください" in page
    assert "「あり」か「なし」を選んでください" in page
    assert not Stay.objects.exists()


def test_admit_into_a_full_house_says_full(admit, new_case, decision, shelter_user, login, layout):
    for bed in layout:
        admit(new_case(), bed=bed)
    response = login(shelter_user).post(
        reverse("shelter:admit_decision", args=[decision.pk]), admit_form()
    )
    assert response.status_code == 400
    assert "満床" in response.content.decode()
    assert Stay.objects.in_house().count() == 12


def test_admit_into_a_bed_taken_meanwhile_says_bed_in_use(
    admit, new_case, decision, shelter_user, login, layout
):
    admit(new_case(), bed=layout[0])
    response = login(shelter_user).post(
        reverse("shelter:admit_decision", args=[decision.pk]), admit_form(bed=str(layout[0].pk))
    )
    assert response.status_code == 400
    assert "ベッド使用中" in response.content.decode()


def test_entrusted_protection_over_http_needs_the_place(
    case, caseworker, shelter_user, login, layout
):
    assert decide(login(caseworker), case, **{"decision-kind": "entrusted"}).status_code == 302
    decision = ProtectionDecision.objects.get()
    client = login(shelter_user)
    url = reverse("shelter:admit_decision", args=[decision.pk])
    response = client.post(url, admit_form())
    assert response.status_code == 400
    assert "委託先を入力してください" in response.content.decode()
    response = client.post(url, admit_form(entrusted_to="乳児院"))
    assert response.status_code == 302
    assert Stay.objects.get().bed is None


def test_caseworker_cannot_admit(decision, caseworker, login, layout):
    url = reverse("shelter:admit_decision", args=[decision.pk])
    assert login(caseworker).post(url, admit_form()).status_code == 403
    assert not Stay.objects.exists()


def test_a_decision_is_cancelled_with_a_reason_and_kept(decision, case, caseworker, login):
    client = login(caseworker)
    url = reverse("shelter:decision_cancel", args=[decision.pk])
    assert client.post(url, {"cancel-reason": ""}).status_code == 400
    response = client.post(url, {"cancel-reason": "親族宅で安全を確認"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.state == "cancelled" and decision.cancelled_reason == "親族宅で安全を確認"
    assert client.get(url).status_code == 302  # a GET goes back to the case file


# --- actions on a stay ----------------------------------------------------------------------


def test_consent_recorded_by_shelter_staff_removes_the_warrant_deadline(
    stay, shelter_user, login, today
):
    client = login(shelter_user)
    response = client.post(
        reverse("shelter:consent", args=[stay.pk]), {"consent": "yes", "on": today.isoformat()}
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.parental_consent
    page = client.get(reverse("shelter:board")).content.decode()
    assert "令状不要" in page


def test_the_cases_worker_may_record_the_warrant_request(stay, caseworker, login, today):
    response = login(caseworker).post(
        reverse("shelter:warrant_request", args=[stay.pk]), {"requested_on": today.isoformat()}
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.warrant_requested_on == today


def test_caseworker_may_not_discharge(stay, caseworker, login, today):
    response = login(caseworker).post(
        reverse("shelter:discharge", args=[stay.pk]),
        {"ended_on": today.isoformat(), "destination": "home", "reason": "帰宅"},
    )
    assert response.status_code == 403


def test_discharge_without_a_reason_answers_400_next_to_the_field(stay, shelter_user, login, today):
    response = login(shelter_user).post(
        reverse("shelter:discharge", args=[stay.pk]),
        {"ended_on": today.isoformat(), "destination": "home", "reason": ""},
    )
    assert response.status_code == 400
    assert 'class="field__error"' in response.content.decode()
    assert "解除の理由を入力してください" in response.content.decode()
    stay.refresh_from_db()
    assert stay.is_active


def test_a_future_discharge_date_shows_with_a_missing_reason_on_the_first_submit(
    stay, shelter_user, login, today
):
    """Issue 12 item 1: the dates were checked only once the reason was filled in."""
    response = login(shelter_user).post(
        reverse("shelter:discharge", args=[stay.pk]),
        {"ended_on": (today + timedelta(days=3)).isoformat(), "destination": "", "reason": ""},
    )
    assert response.status_code == 400
    errors = response.context["failed_form"].errors
    assert errors["ended_on"] == ["退所日に未来の日付は入力できません。"]
    assert set(errors) == {"ended_on", "destination", "reason"}
    stay.refresh_from_db()
    assert stay.is_active


def test_discharge_and_move_return_to_the_board(stay, shelter_user, login, layout, today):
    client = login(shelter_user)
    response = client.post(
        reverse("shelter:move", args=[stay.pk]),
        {"bed": str(layout[5].pk), "moved_on": today.isoformat()},
    )
    assert response.status_code == 302 and response["Location"] == reverse("shelter:board")
    response = client.post(
        reverse("shelter:discharge", args=[stay.pk]),
        {"ended_on": today.isoformat(), "destination": "home", "reason": "家庭復帰"},
    )
    assert response.status_code == 302
    stay.refresh_from_db()
    assert stay.ended_on == today and stay.bed == layout[5]
    twice = client.post(
        reverse("shelter:discharge", args=[stay.pk]),
        {"ended_on": today.isoformat(), "destination": "home", "reason": "家庭復帰"},
    )
    assert twice.status_code == 400
    assert "すでに解除" in twice.content.decode()


def test_move_to_an_occupied_bed_answers_400_with_bed_in_use(
    stay, admit, new_case, shelter_user, login, layout, today
):
    admit(new_case(), bed=layout[1])
    response = login(shelter_user).post(
        reverse("shelter:move", args=[stay.pk]),
        {"bed": str(layout[1].pk), "moved_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert "ベッド使用中" in response.content.decode()


def test_extension_and_court_decision_over_http(case, admit, shelter_user, login, today):
    stay = admit(case, started_on=today - timedelta(days=55), consent=True)
    client = login(shelter_user)
    response = client.post(
        reverse("shelter:extension_add", args=[stay.pk]),
        {"requested_on": today.isoformat(), "parental_consent": "no", "court_case_ref": "第1号"},
    )
    assert response.status_code == 302
    extension = stay.extensions.get()
    assert extension.pending
    response = client.post(
        reverse("shelter:extension_decide", args=[stay.pk, extension.pk]),
        {"decision": "approve", "decided_on": today.isoformat(), "court_case_ref": ""},
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    assert extension.approved is True


def test_auditor_cannot_post_to_the_shelter(stay, auditor, login, today):
    response = login(auditor).post(
        reverse("shelter:consent", args=[stay.pk]), {"consent": "yes", "on": today.isoformat()}
    )
    assert response.status_code == 403


# --- beds by the child's sex and age (issue 12 item 2) -------------------------------------


def fill_boys_beds(admit, new_case, layout):
    """Every bed of a boys' room taken (101–104 and 105-A/B)."""
    for bed in layout[:6]:
        admit(new_case(sex="M"), bed=bed)


def test_the_automatic_choice_never_puts_a_boy_in_a_girls_room(
    admit, new_case, layout, shelter_user, today
):
    """The reported case: a 9-year-old boy was placed in a girls' room by the automatic choice."""
    from shelter import services

    fill_boys_beds(admit, new_case, layout)
    boy = new_case(sex="M", birth_date=today.replace(year=today.year - 9))
    with pytest.raises(services.StayRuleError) as refused:
        admit(boy)
    assert refused.value.messages == [services.NO_FITTING_BED]
    assert not Stay.objects.filter(child=boy.child).exists()


def test_a_bed_in_another_rooms_band_takes_a_recorded_reason(
    admit, new_case, layout, shelter_user, today
):
    from casework.models import CaseEvent
    from shelter import services

    boy = new_case(sex="M", birth_date=today.replace(year=today.year - 9))
    girls_bed = layout[6]  # 201号室
    with pytest.raises(services.StayRuleError) as refused:
        admit(boy, bed=girls_bed, mismatch_reason="")
    assert "女子用の部屋です" in refused.value.messages[0]
    stay = admit(boy, bed=girls_bed, mismatch_reason="兄弟と同室で夜間の不安が強いため")
    assert stay.bed == girls_bed
    from casework.events import render_event

    event = CaseEvent.objects.filter(case=boy, kind="stay_admitted").get()
    text = render_event(event.kind, event.params, event.secret_values)
    assert "女子用の部屋です" in text and "兄弟と同室で夜間の不安が強いため" in text
    assert "兄弟と同室" not in str(event.params)  # the reason is kept encrypted


@pytest.mark.parametrize(
    ("sex", "age", "rooms"),
    [
        ("M", 9, {"101号室", "102号室", "103号室", "104号室"}),
        ("F", 9, {"201号室", "202号室", "203号室", "204号室"}),
        ("F", 3, {"205号室"}),
        ("M", 3, {"105号室"}),
    ],
)
def test_the_automatic_choice_takes_a_room_for_the_childs_sex_and_age(
    admit, new_case, layout, today, sex, age, rooms
):
    child_case = new_case(sex=sex, birth_date=today.replace(year=today.year - age))
    assert admit(child_case).bed.room.name in rooms


def test_the_admission_page_says_before_saving_that_no_fitting_bed_is_free(
    admit, new_case, layout, shelter_user, caseworker, login, today
):
    fill_boys_beds(admit, new_case, layout)
    boy = new_case(sex="M", birth_date=today.replace(year=today.year - 9))
    assert decide(login(caseworker), boy).status_code == 302
    decision = ProtectionDecision.objects.pending().get(case=boy)
    client = login(shelter_user)
    url = reverse("shelter:admit_decision", args=[decision.pk])
    page = client.get(url).content.decode()
    assert 'id="no-fitting-bed"' in page
    assert "区分の違う部屋（理由の入力が必要）" in page
    response = client.post(url, admit_form(started_on=today.isoformat()))
    assert response.status_code == 400
    assert "合う部屋に空いているベッドがありません" in response.content.decode()
    response = client.post(url, admit_form(started_on=today.isoformat(), bed=str(layout[6].pk)))
    assert response.status_code == 400
    assert response.context["form"].errors["mismatch_reason"]
    assert not Stay.objects.filter(child=boy.child).exists()
    response = client.post(
        url,
        admit_form(
            started_on=today.isoformat(), bed=str(layout[6].pk), mismatch_reason="個室で対応"
        ),
    )
    assert response.status_code == 302
    assert Stay.objects.get(child=boy.child).bed == layout[6]


def test_timeline_events_sit_at_the_day_the_act_happened(
    admit, new_case, layout, caseworker, shelter_user, login, today
):
    """Issue 12 item 8: an admission and a release months apart were both stamped with the
    time they were typed in; a stay summary sorted at 00:00. Each act now sits at its day,
    shown by its date (no invented time), in 和暦."""
    from django.utils.timezone import localdate
    from django.utils.timezone import now as timezone_now

    from casework.models import CaseNote
    from casework.timeline import build_timeline
    from shelter import services

    case = new_case(sex="M", birth_date=today.replace(year=today.year - 9))
    stay = admit(case, started_on=today - timedelta(days=40), bed=layout[0])
    CaseNote.objects.create(
        case=case,
        kind="phone",
        occurred_at=timezone_now() - timedelta(days=20),
        author=caseworker,
        body="電話連絡",
    )
    services.stay_discharge(
        actor=shelter_user,
        stay=stay,
        ended_on=today - timedelta(days=10),
        destination="home",
        reason="家庭復帰",
    )
    items = build_timeline(case)
    kinds = [(item.kind, item.label) for item in items]
    admitted = next(i for i in items if i.kind == "event" and "入所" in i.text)
    discharged = next(i for i in items if i.kind == "event" and "解除" in i.text)
    note = next(i for i in items if i.kind == "note")
    assert items.index(discharged) < items.index(note) < items.index(admitted), kinds
    assert admitted.date_only and discharged.date_only and not note.date_only
    assert localdate(admitted.at) == today - timedelta(days=40)
    assert localdate(discharged.at) == today - timedelta(days=10)
    page = login(caseworker).get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    shown = re.sub(r"<[^>]+>", "", page.split('id="timeline-h"')[1].split("</ol>")[0])
    # Dates in 和暦; a Western date appears only beside its 和暦 form.
    for wareki, western in re.findall(
        r"(令和\d+年\d+月\d+日(?:（.）)? )?(\d{4}-\d{2}-\d{2})", shown
    ):
        assert wareki, f"{western} without its 和暦 in: {shown}"


def test_the_stay_page_keeps_each_forms_ids_apart(admit, new_case, layout, shelter_user, login):
    """Issue 12 item 15: the warrant-request and extension forms both rendered
    `id_requested_on`, leaving the extension's 申立日 without its label."""
    from collections import Counter

    stay = admit(new_case(), bed=layout[0])
    page = login(shelter_user).get(reverse("shelter:stay_detail", args=[stay.pk]))
    html = page.content.decode()
    assert 'id="warrant_request_requested_on"' in html
    assert 'id="extension_requested_on"' in html
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert not [i for i, n in ids.items() if n > 1]
