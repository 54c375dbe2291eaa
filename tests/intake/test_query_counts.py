"""The queue, the statistics and the dashboard panel run a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.intake.conftest import bulk_consultations, tokyo

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["intake_user", "supervisor"])
@pytest.mark.parametrize("query", ["", "?status=all", "?category=1&received_from=2026-11-01"])
def test_queue_query_count_is_the_same_for_10_and_1000_consultations(
    who, query, request, intake_user, team_a, login
):
    client = login(request.getfixturevalue(who))
    url = reverse("intake:queue") + query
    bulk_consultations(10, team=team_a, user=intake_user)
    small = count_queries(client, url)
    bulk_consultations(990, team=team_a, user=intake_user, start=tokyo(2026, 11, 2, 9, 0))
    assert count_queries(client, url) == small


def test_statistics_query_count_is_the_same_for_10_and_1000_consultations(
    supervisor, intake_user, team_a, login
):
    client = login(supervisor)
    url = "/reports/consultations/?fiscal_year=2026"
    bulk_consultations(10, team=team_a, user=intake_user)
    small = count_queries(client, url)
    bulk_consultations(990, team=team_a, user=intake_user, start=tokyo(2026, 5, 2, 9, 0))
    assert count_queries(client, url) == small
    for fmt in ("csv", "xlsx"):
        assert count_queries(client, f"{url}&format={fmt}") <= small


def test_dashboard_with_the_clock_panel_has_a_fixed_query_count(
    supervisor, intake_user, team_a, login
):
    client = login(supervisor)
    url = reverse("casework:dashboard")
    bulk_consultations(10, team=team_a, user=intake_user)
    small = count_queries(client, url)
    bulk_consultations(500, team=team_a, user=intake_user, start=tokyo(2026, 11, 2, 9, 0))
    assert count_queries(client, url) == small


def test_detail_query_count_does_not_grow_with_confirmations(
    accepted_report, caseworker, supervisor, login
):
    from intake.services import safety_confirm

    client = login(caseworker)
    url = reverse("intake:detail", args=[accepted_report.pk])

    def add(n):
        for i in range(n):
            safety_confirm(
                actor=supervisor,
                consultation=accepted_report,
                seen_at=tokyo(2026, 11, 21, 10, i),
                seen_by="職員",
                agency="centre",
                place="自宅",
                method="home_visit",
                seen_directly=True,
            )

    add(1)
    small = count_queries(client, url)
    add(20)
    assert count_queries(client, url) == small
