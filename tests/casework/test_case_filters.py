"""/cases/ filters: status, category, worker, district, case number, kana name + birth date."""

from datetime import date

import pytest
from django.urls import reverse

from casework import services
from casework.choices import Category
from tests.factories import ChildFactory, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(supervisor, caseworker, coworker, team_a):
    mori = ChildFactory(
        family_name="森",
        given_name="陽葵",
        family_name_kana="もり",
        given_name_kana="ひまり",
        birth_date=date(2017, 8, 3),
        town="台場",
    )
    first = open_case(
        actor=supervisor, child=mori, team=team_a, lead=caseworker, category=Category.ABUSE
    )
    second = open_case(
        actor=supervisor, team=team_a, lead=coworker, category=Category.NON_ATTENDANCE
    )
    services.case_move_status(actor=coworker, case=second, to="investigation")
    return first, second


def numbers(response) -> set[str]:
    return {case.number for case in response.context["page"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "investigation"}, {1}),
        ({"status": "accepted"}, {0}),
        ({"category": "13"}, {1}),
        ({"district": "台場"}, {0}),
        ({"district": "芝浦港南"}, {1}),  # the factory's default town is 芝浦
    ],
)
def test_supervisor_filters_the_team_cases(query, expected, cases, supervisor, login):
    response = login(supervisor).get(reverse("casework:case_list"), query)
    assert response.status_code == 200
    assert numbers(response) == {cases[i].number for i in expected}


def search(client, **criteria):
    """The name search as the page sends it: POST, then the list it redirects to."""
    response = client.post(reverse("casework:case_list"), criteria)
    assert response.status_code == 302, response.status_code
    return response, client.get(response["Location"])


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"kana": "もり"}, {0}),  # the surname alone
        ({"kana": "ひまり"}, {0}),  # the given name alone
        ({"kana": "もり ひまり"}, {0}),  # the whole name with a space
        ({"kana": "もりひまり"}, {0}),  # run together
        ({"kana": "ﾓﾘ　ﾋﾏﾘ"}, {0}),  # half-width katakana, a full-width space
        ({"kana": "モリ", "birth_date": "2017-08-03"}, {0}),
        ({"kana": "もり", "birth_date": "2017-08-04"}, set()),
        ({"kana": "もりた"}, set()),  # not a prefix search
        ({"kana": "ひまり もり"}, set()),  # surname first
        ({"birth_date": "2017-08-03"}, {0}),
    ],
)
def test_a_child_is_found_by_any_part_of_the_kana_name(
    criteria, expected, cases, supervisor, login
):
    """Issue 12 item 3: `?kana=もりた` failed; only the full kana plus the birth date worked."""
    _redirect, response = search(login(supervisor), **criteria)
    assert response.status_code == 200
    assert numbers(response) == {cases[i].number for i in expected}


def test_variants_of_a_name_find_each_other(supervisor, caseworker, team_a, login):
    child = ChildFactory(family_name_kana="ヴァレンタイン", given_name_kana="ゆうこ")
    case = open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
    client = login(supervisor)
    for typed in ("ばれんたいん", "ヴァレンタイン", "ﾊﾞﾚﾝﾀｲﾝ", "ユーコ", "ばれんたいん ゆうこ"):
        _redirect, response = search(client, kana=typed)
        assert numbers(response) == {case.number}, typed


def test_the_name_never_reaches_a_url_or_the_session(cases, supervisor, login):
    from django.contrib.sessions.models import Session

    client = login(supervisor)
    redirect, response = search(client, kana="もり ひまり", status="accepted")
    assert "もり" not in redirect["Location"] and "%E3%82%82" not in redirect["Location"]
    assert "status=accepted" in redirect["Location"] and "name=1" in redirect["Location"]
    assert numbers(response) == {cases[0].number}
    stored = "".join(str(s.get_decoded()) for s in Session.objects.all())
    assert "もり" not in stored and "ひまり" not in stored
    # Another page of the same search keeps it; clearing drops it.
    assert numbers(client.get(response.request["PATH_INFO"] + "?name=1&page=1")) == {
        cases[0].number
    }
    assert len(numbers(client.get(reverse("casework:case_list")))) == 2


def test_a_name_search_stays_within_the_users_scope(cases, other_supervisor, login):
    _redirect, response = search(login(other_supervisor), kana="もり")
    assert numbers(response) == set()


def test_filter_by_worker_and_case_number(cases, supervisor, coworker, login):
    client = login(supervisor)
    by_worker = client.get(reverse("casework:case_list"), {"worker": coworker.pk})
    assert numbers(by_worker) == {cases[1].number}
    by_number = client.get(reverse("casework:case_list"), {"number": cases[0].number.lower()})
    assert numbers(by_number) == {cases[0].number}


def test_caseworker_sees_only_their_own_cases(cases, caseworker, login):
    response = login(caseworker).get(reverse("casework:case_list"))
    assert numbers(response) == {cases[0].number}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"number": "12345"}, "ケース番号は「R7-000123」の形で入力してください"),
    ],
)
def test_bad_filters_say_what_to_do_in_japanese(query, message, cases, supervisor, login):
    response = login(supervisor).get(reverse("casework:case_list"), query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert numbers(response) == set()


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ({"birth_date": "2017-02-30"}, "日付を入力してください"),
        ({"kana": "ーー"}, "ふりがなを入力してください"),
    ],
)
def test_a_bad_name_search_says_what_to_do(criteria, message, cases, supervisor, login):
    response = login(supervisor).post(reverse("casework:case_list"), criteria)
    assert response.status_code == 400
    assert message in response.content.decode()
