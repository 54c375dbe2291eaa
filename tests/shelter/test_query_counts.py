"""The board and the supervisor's home run a fixed number of queries (STYLE habit 4)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shelter.models import Stay
from tests.factories import bulk_cases

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    client.get(url)  # warm caches (content types, session) so both runs compare like for like
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def past_stays(n: int, *, team, lead, layout, today, start_seq: int) -> None:
    """n discharged stays spread over the last 120 days (no history: scale only)."""
    cases = bulk_cases(n, team=team, lead=lead, start_seq=start_seq)
    Stay.objects.bulk_create(
        [
            Stay(
                child_id=c.child_id,
                case=c,
                grounds="abuse",
                bed=layout[i % len(layout)],
                started_on=today - timedelta(days=120 - i % 100),
                ended_on=today - timedelta(days=100 - i % 100),
                destination="home",
            )
            for i, c in enumerate(cases)
        ]
    )


def fill(admit, new_case, beds) -> None:
    for bed in beds:
        admit(new_case(), bed=bed)


def test_board_query_count_is_the_same_for_2_and_12_children_and_10_or_500_past_stays(
    admit,
    new_case,
    layout,
    shelter_user,
    caseworker,
    team_a,
    login,
    today,
    django_assert_max_num_queries,
):
    client = login(shelter_user)
    url = reverse("shelter:board")
    fill(admit, new_case, layout[:2])
    past_stays(10, team=team_a, lead=caseworker, layout=layout, today=today, start_seq=5000)
    small = count_queries(client, url)
    fill(admit, new_case, layout[2:])
    past_stays(490, team=team_a, lead=caseworker, layout=layout, today=today, start_seq=6000)
    large = count_queries(client, url)
    assert small == large
    with django_assert_max_num_queries(small):
        client.get(url)
    print(f"board: {small} queries")


def test_dashboard_panel_query_count_is_fixed(
    admit, new_case, layout, supervisor, login, django_assert_max_num_queries
):
    client = login(supervisor)
    url = reverse("casework:dashboard")
    fill(admit, new_case, layout[:2])
    small = count_queries(client, url)
    fill(admit, new_case, layout[2:])
    assert count_queries(client, url) == small


def test_stay_detail_query_count_does_not_grow_with_moves_and_extensions(
    case, admit, layout, shelter_user, login, today
):
    from shelter import services

    stay = admit(case, bed=layout[0], started_on=today - timedelta(days=55), consent=True)
    client = login(shelter_user)
    url = reverse("shelter:stay_detail", args=[stay.pk])
    small = count_queries(client, url)
    services.stay_move(
        actor=shelter_user, stay=stay, bed=layout[1], moved_on=today - timedelta(days=3)
    )
    services.stay_move(actor=shelter_user, stay=stay, bed=layout[2], moved_on=today)
    services.extension_request(
        actor=shelter_user, stay=stay, requested_on=today, parental_consent=True
    )
    assert count_queries(client, url) == small
