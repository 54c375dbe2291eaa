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
        ({"kana": "もり ひまり", "birth_date": "2017-08-03"}, {0}),
        ({"kana": "ﾓﾘﾋﾏﾘ", "birth_date": "2017-08-03"}, {0}),  # half-width katakana
        ({"kana": "もり ひまり", "birth_date": "2017-08-04"}, set()),
    ],
)
def test_supervisor_filters_the_team_cases(query, expected, cases, supervisor, login):
    response = login(supervisor).get(reverse("casework:case_list"), query)
    assert response.status_code == 200
    assert numbers(response) == {cases[i].number for i in expected}


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
        ({"kana": "もり"}, "生年月日も入力してください"),
        ({"birth_date": "2017-02-30"}, "日付を入力してください"),
    ],
)
def test_bad_filters_say_what_to_do_in_japanese(query, message, cases, supervisor, login):
    response = login(supervisor).get(reverse("casework:case_list"), query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert numbers(response) == set()
