"""Lists and pages run a fixed number of queries whatever the row count (STYLE habit 4)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import bulk_cases, bulk_notes

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (content types, session) so both runs compare like for like
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["caseworker", "supervisor"])
def test_case_list_query_count_is_the_same_for_10_and_1000_cases(
    who, request, caseworker, team_a, login, django_assert_max_num_queries
):
    user = request.getfixturevalue(who)
    client = login(user)
    url = reverse("casework:case_list") + "?status=open"
    bulk_cases(10, team=team_a, lead=caseworker, start_seq=1)
    small = count_queries(client, url)
    bulk_cases(990, team=team_a, lead=caseworker, start_seq=100)
    large = count_queries(client, url)
    assert small == large
    with django_assert_max_num_queries(small):
        client.get(url)


def test_case_detail_query_count_is_the_same_for_10_and_1000_notes(
    case, caseworker, login, django_assert_max_num_queries
):
    client = login(caseworker)
    url = reverse("casework:case_detail", args=[case.pk])
    bulk_notes(case, 10, author=caseworker)
    small = count_queries(client, url)
    bulk_notes(case, 990, author=caseworker)
    large = count_queries(client, url)
    assert small == large
    with django_assert_max_num_queries(small):
        client.get(url)


def test_dashboard_query_count_is_fixed(
    supervisor, caseworker, team_a, login, django_assert_max_num_queries
):
    client = login(supervisor)
    url = reverse("casework:dashboard")
    bulk_cases(10, team=team_a, lead=caseworker, start_seq=1)
    small = count_queries(client, url)
    bulk_cases(500, team=team_a, lead=caseworker, start_seq=100)
    assert count_queries(client, url) == small


def test_case_detail_query_count_is_the_same_with_10_and_1000_cases(
    case, caseworker, team_a, login
):
    client = login(caseworker)
    url = reverse("casework:case_detail", args=[case.pk])
    bulk_cases(10, team=team_a, lead=caseworker, start_seq=1000)
    small = count_queries(client, url)
    bulk_cases(990, team=team_a, lead=caseworker, start_seq=2000)
    assert count_queries(client, url) == small
