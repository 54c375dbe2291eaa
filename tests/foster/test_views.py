"""Persona tests for the foster pages (issue 10 §6) and the privacy boundary of §4: the case's
worker sees the home's name and contact for the placement, never the applicant's file; the
foster team sees the child's name, age and needs for the placement, never case notes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AccessLog, CaseNote
from foster.choices import Stage
from foster.models import Applicant, Home, Step
from tests.factories import views_post
from tests.foster.conftest import certified_home, new_applicant

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world):
    return world


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_foster_worker_lands_on_the_pipeline(foster_user, login):
    response = login(foster_user).get("/")
    assert response.status_code == 302 and response["Location"] == reverse("foster:pipeline")


def test_the_pipeline_shows_columns_by_stage_and_the_funnel_with_its_table(w, foster_user, login):
    page = text(login(foster_user).get(reverse("foster:pipeline")))
    for stage in Stage:
        assert f"{stage.value}. {stage.label}" in page
    assert "申込 花子" in page  # at stage 2 done: in the column of 申請書提出
    assert 'id="funnel-table"' in page and 'data-chart-source="funnel-data"' in page
    assert "申込みを受け付ける" in page


def test_supervisors_read_the_foster_pages_but_change_nothing(w, other_supervisor, login):
    """(The supervisor of the proposal's own case may withdraw it: a case act, not a foster one.)"""
    client = login(other_supervisor)
    pipeline = text(client.get(reverse("foster:pipeline")))
    assert "申込みを受け付ける" not in pipeline and "審議会を登録" not in pipeline
    applicant = text(client.get(reverse("foster:applicant_detail", args=[w["applicant"].pk])))
    assert "次の段階を記録" not in applicant and 'method="post" action="/foster/' not in applicant
    home = text(client.get(reverse("foster:home_detail", args=[w["home"].pk])))
    assert 'method="post" action="/foster/' not in home
    assert client.post(reverse("foster:step_record", args=[w["applicant"].pk])).status_code == 403


def test_the_applicant_page_shows_the_stage_timeline_and_the_next_allowed_step(
    w, foster_user, login
):
    page = text(
        login(foster_user).get(reverse("foster:applicant_detail", args=[w["applicant"].pk]))
    )
    assert "次の段階を記録（申請書提出）" in page
    assert page.count("stages__item--done") == 2 and page.count("stages__item--next") == 1


def test_a_skipped_stage_posted_from_the_page_is_refused_in_japanese(w, foster_user, login):
    applicant = w["applicant"]
    response = login(foster_user).post(
        reverse("foster:step_record", args=[applicant.pk]),
        {"stage": "5", "done_on": timezone.localdate().isoformat(), "outcome": "completed"},
    )
    assert response.status_code == 400
    assert "段階を飛ばすことはできません" in response.content.decode()
    assert Step.objects.filter(applicant=applicant).count() == 2


def test_a_foster_worker_takes_a_step_from_the_page(w, foster_user, login):
    applicant = w["applicant"]
    response = login(foster_user).post(
        reverse("foster:step_record", args=[applicant.pk]),
        {"stage": "3", "done_on": timezone.localdate().isoformat(), "outcome": "completed"},
    )
    assert response.status_code == 302
    assert Applicant.objects.get(pk=applicant.pk).stage == 3


def test_detail_views_are_access_logged(w, foster_user, supervisor, login):
    login(foster_user).get(reverse("foster:applicant_detail", args=[w["applicant"].pk]))
    login(supervisor).get(reverse("foster:home_detail", args=[w["home"].pk]))
    logged = set(AccessLog.objects.values_list("user__username", "record_type", "record_id"))
    assert ("foster_a", "foster.Applicant", str(w["applicant"].pk)) in logged
    assert ("sv_a", "foster.Home", str(w["home"].pk)) in logged


def test_the_homes_page_highlights_registrations_expiring_within_six_months(w, foster_user, login):
    soon = certified_home(foster_user, foster_type="specialist", opened_on=date(2024, 12, 20))
    assert soon.expires_on <= timezone.localdate() + timedelta(days=183)
    page = text(login(foster_user).get(reverse("foster:home_list")))
    assert "更新期限が近い" in page and soon.name in page
    only = text(login(foster_user).get(reverse("foster:home_list") + "?expiring=1"))
    table = only[only.index('id="homes"') :]
    assert soon.name in table
    assert w["home"].name not in table  # registered this year: years to run


# --- the privacy boundary ---------------------------------------------------------------


def test_the_case_worker_sees_the_homes_name_and_contact_never_the_applicants_file(
    w, caseworker, login
):
    home, placement = w["home"], w["placement"]
    applicant = Applicant.objects.get(pk=home.applicant_id)
    client = login(caseworker)
    case_page = text(client.get(reverse("casework:case_detail", args=[placement.case_id])))
    assert home.name in case_page and home.phone in case_page
    assert "里親委託を開始" in case_page  # on the case timeline
    for private in (applicant.email, applicant.name_kana, "住環境は良好"):
        assert private not in case_page
    child_page = text(client.get(reverse("casework:child_detail", args=[placement.child_id])))
    assert home.name in child_page and "委託中" in child_page
    assert client.get(reverse("foster:home_detail", args=[home.pk])).status_code == 403
    assert client.get(reverse("foster:applicant_detail", args=[applicant.pk])).status_code == 403
    assert client.get(reverse("foster:home_list")).status_code == 403


def test_the_foster_team_sees_the_childs_name_age_and_needs_never_case_notes(
    w, foster_user, caseworker, login
):
    placement = w["placement"]
    child = placement.child
    CaseNote.objects.create(
        case=placement.case,
        kind="interview",
        occurred_at=timezone.now(),
        author=caseworker,
        body="父親からの暴力について本人が話した",
    )
    client = login(foster_user)
    page = text(client.get(reverse("foster:home_detail", args=[placement.home_id])))
    assert child.full_name in page and "卵アレルギー" in page
    assert f"{child.age_on(timezone.localdate())}歳" in page
    for private in ("父親からの暴力", child.address, placement.case.number):
        assert private not in page
    assert client.get(reverse("casework:case_detail", args=[placement.case_id])).status_code == 403
    assert client.get(reverse("casework:child_detail", args=[child.pk])).status_code == 404


def test_the_case_worker_proposes_a_home_from_the_matching_aid(w, caseworker, login):
    case = w["case"]
    client = login(caseworker)
    page = text(client.get(reverse("casework:case_detail", args=[case.pk])))
    matching = page[page.index('id="matching"') :]
    matching = matching[: matching.index("</table>")]
    # type, district, free places and the children already placed (age and sex, no names)
    assert w["home"].name in matching and "高輪" in matching and '"num">3<' in matching
    assert w["placement"].child.full_name not in matching and "歳・男" in matching
    response = client.post(
        reverse("foster:placement_propose", args=[case.pk]),
        {
            "placement-home": w["home"].pk,
            "placement-planned_start": case.opened_on.isoformat(),
            "placement-needs": "通学の継続",
            **views_post("placement", caseworker, case.opened_on),
        },
    )
    assert response.status_code == 302
    assert case.placements.get().is_proposed


def test_an_expired_home_is_not_offered_and_a_posted_one_is_refused(w, caseworker, login):
    expired = certified_home(
        Home.objects.get(pk=w["home"].pk).worker,
        foster_type="specialist",
        opened_on=date(2023, 1, 10),
        name="期間満了 家庭",
    )
    case = w["case"]
    client = login(caseworker)
    page = text(client.get(reverse("casework:case_detail", args=[case.pk])))
    assert "期間満了 家庭" not in page
    response = client.post(
        reverse("foster:placement_propose", args=[case.pk]),
        {
            "placement-home": expired.pk,
            "placement-planned_start": case.opened_on.isoformat(),
            **views_post("placement", caseworker, case.opened_on),
        },
    )
    assert response.status_code == 400
    assert "有効期間が過ぎています" in response.content.decode()
    assert not case.placements.exists()


def test_the_foster_team_confirms_a_proposal_from_the_home_page(w, foster_user, login):
    proposal = w["proposal"]
    client = login(foster_user)
    page = text(client.get(reverse("foster:home_detail", args=[proposal.home_id])))
    assert "委託を確定" in page
    response = client.post(
        reverse("foster:placement_confirm", args=[proposal.pk]),
        {f"confirm-{proposal.pk}-started_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.is_active


def test_a_reopened_application_links_both_ways(foster_user, login):
    old = new_applicant(foster_user)
    client = login(foster_user)
    client.post(
        reverse("foster:applicant_close", args=[old.pk]),
        {"status": "declined", "closed_on": old.opened_on.isoformat(), "reason": "時期尚早"},
    )
    response = client.post(
        reverse("foster:applicant_reopen", args=[old.pk]),
        {"opened_on": timezone.localdate().isoformat()},
    )
    new = Applicant.objects.get(previous=old)
    assert response["Location"] == reverse("foster:applicant_detail", args=[new.pk])
    assert "以前の申込み" in text(client.get(response["Location"]))
    assert "新たな申込み（再開）" in text(
        client.get(reverse("foster:applicant_detail", args=[old.pk]))
    )
