"""Bad input never breaks a page (issue 8): each case below answered 500, or changed a record
on an empty POST, before. Now: a Japanese message, nothing saved, and every stored date shows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseEvent, Child
from shelter.models import Stay

pytestmark = pytest.mark.django_db
RANGE = "明治6年（1873年）1月1日から2100年12月31日まで"


def child_data(**overrides) -> dict:
    data = {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "やまだ",
        "given_name_kana": "たろう",
        "birth_date": "2015-06-01",
        "sex": "M",
        "town": "芝浦",
        "reason": "誤記の訂正",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("day", ["0001-01-01", "1872-12-31"])
def test_a_date_the_product_cannot_show_is_refused_when_typed(day, case, caseworker, login):
    url = reverse("casework:child_edit", args=[case.child_id])
    response = login(caseworker).post(url, child_data(birth_date=day))
    assert response.status_code == 400
    assert RANGE in response.content.decode()
    assert Child.objects.get(pk=case.child_id).birth_date == case.child.birth_date


def test_a_date_before_showa_is_accepted_and_shown_in_wareki(case, caseworker, login):
    """明治・大正 are eras the product shows: 1 January 1900 is 明治33年."""
    client = login(caseworker)
    url = reverse("casework:child_edit", args=[case.child_id])
    assert client.post(url, child_data(birth_date="1900-01-01")).status_code == 302
    page = client.get(reverse("casework:child_detail", args=[case.child_id])).content.decode()
    assert "明治33年1月1日" in page


@pytest.mark.parametrize("day", [date(1900, 1, 1), date(1, 1, 1), date(1912, 7, 29)])
def test_every_page_shows_a_stored_date_from_before_showa(
    day, world, caseworker, supervisor, shelter_user, login
):
    """Data imported from an old system may hold any date: the pages must still show it."""
    case = world["case"]
    Child.objects.filter(pk=case.child_id).update(birth_date=day)
    Case.objects.filter(pk=case.pk).update(opened_on=day)
    pages = [
        (caseworker, reverse("casework:child_detail", args=[case.child_id])),
        (caseworker, reverse("casework:case_detail", args=[case.pk])),
        (caseworker, reverse("casework:case_list")),
        (supervisor, reverse("casework:dashboard")),
        (shelter_user, reverse("shelter:board")),
        (shelter_user, reverse("shelter:stay_detail", args=[world["stay"].pk])),
    ]
    for user, url in pages:
        response = login(user).get(url)
        assert response.status_code == 200, url
    body = login(caseworker).get(pages[0][1]).content.decode()
    assert day.isoformat() in body or "明治" in body or "大正" in body


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("intake_user", "/intake/?received_to=9999-12-31"),
        ("intake_user", "/intake/?received_from=0001-01-01"),
        ("auditor", "/audit/?date_to=9999-12-31"),
        ("auditor", "/audit/access/?date_from=0001-01-01"),
        ("auditor", "/audit/views/?date_to=9999-12-31"),
        ("auditor", "/audit/views/?date_from=0001-01-01&format=csv"),
    ],
)
def test_extreme_filter_dates_are_refused_in_japanese(who, url, persona, login):
    response = login(persona(who)).get(url)
    assert response.status_code in (200, 400)
    assert RANGE in response.content.decode()


def test_an_extreme_birth_date_in_the_name_search_is_refused_in_japanese(caseworker, login):
    """The name search is POSTed (issue 12): its dates are checked there."""
    response = login(caseworker).post(
        "/cases/", {"kana": "やまだたろう", "birth_date": "9999-12-31"}
    )
    assert response.status_code == 400
    assert RANGE in response.content.decode()


def test_an_empty_period_on_the_audit_desk_is_an_empty_page(auditor, login):
    """PostgreSQL answered 500 ("Cannot reorder a query once a slice has been taken")."""
    response = login(auditor).get("/audit/?date_from=1990-01-01&date_to=1990-01-02")
    assert response.status_code == 200


def test_a_long_transfer_reason_is_kept_whole_and_a_longer_one_refused(
    case, supervisor, other_supervisor, team_b, other_worker, login
):
    url = reverse("casework:transfer", args=[case.pk])
    client = login(supervisor)
    too_long = client.post(
        url, {"team": team_b.pk, "new_lead": other_worker.pk, "reason": "理" * 201}
    )
    assert too_long.status_code == 400
    reason = "転居により" + "理" * 195
    assert (
        client.post(
            url, {"team": team_b.pk, "new_lead": other_worker.pk, "reason": reason}
        ).status_code
        == 302
    )
    event = CaseEvent.objects.get(case=case, kind="transferred")
    assert reason in event.words and reason not in event.text


def test_an_extension_decision_with_nothing_pending_is_not_found_not_a_500(
    world, shelter_user, login
):
    from shelter.services import extension_decide

    extension = world["extension"]
    extension_decide(
        actor=shelter_user, extension=extension, approved=True, decided_on=timezone.localdate()
    )
    url = reverse("shelter:extension_decide", args=[world["stay"].pk, extension.pk])
    client = login(shelter_user)
    assert client.post(url, {}).status_code == 400
    data = {"decision": "approve", "decided_on": timezone.localdate().isoformat()}
    assert client.post(url, data).status_code == 404


def test_an_empty_school_liaison_post_changes_nothing(world, shelter_user, login):
    stay = world["stay"]
    stay.school = "港区立芝浦小学校"  # save(), not update(): ciphertext is bound to its row
    stay.save(update_fields=["school"])
    response = login(shelter_user).post(reverse("shelter:school", args=[stay.pk]), {})
    assert response.status_code == 400
    assert Stay.objects.get(pk=stay.pk).school == "港区立芝浦小学校"


def test_an_empty_status_post_moves_nothing(case, caseworker, login):
    response = login(caseworker).post(reverse("casework:status_move", args=[case.pk]), {})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == case.status


def test_a_move_made_meanwhile_is_not_repeated(case, caseworker, login):
    client = login(caseworker)
    url = reverse("casework:status_move", args=[case.pk])
    seen = {"to": "investigation", "expected": "accepted"}
    assert client.post(url, seen).status_code == 302
    again = client.post(url, seen)  # the same page, submitted twice
    assert again.status_code == 400
    assert "別の職員" in again.content.decode() or "へは移せません" in again.content.decode()


def test_case_numbers_continue_after_cases_loaded_in_bulk(supervisor, team_a, caseworker):
    from casework.services import case_open
    from tests.factories import ChildFactory, bulk_cases

    bulk_cases(3, team=team_a, lead=caseworker, start_seq=500)
    case = case_open(
        actor=supervisor,
        child=ChildFactory(),
        team=team_a,
        lead=caseworker,
        category=1,
        opened_on=date(2026, 5, 1) + timedelta(days=1),
    )
    assert case.seq == 503


def test_a_get_on_an_action_url_goes_back_to_the_record_instead_of_405(case, caseworker, login):
    response = login(caseworker).get(reverse("casework:note_add", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:case_detail", args=[case.pk])
