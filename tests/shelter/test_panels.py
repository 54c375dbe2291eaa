"""Stays on casework's pages: the case timeline, the child page and the supervisor's home."""

from datetime import timedelta

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_stay_appears_on_its_case_timeline(case, admit, caseworker, login, layout):
    admit(case, bed=layout[0])
    page = login(caseworker).get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert "timeline__item--stay" in page
    assert "101号室・ベッド 101" in page
    assert "一時保護状 未請求" in page
    assert "一時保護所に入所" in page  # the act, with its actor, from the case events


def test_a_stay_appears_on_the_child_page_for_the_cases_worker(
    case, admit, caseworker, login, layout
):
    stay = admit(case, bed=layout[0])
    page = login(caseworker).get(reverse("casework:child_detail", args=[case.child_id]))
    assert reverse("shelter:stay_detail", args=[stay.pk]) in page.content.decode()


def test_the_child_page_shows_only_stays_the_viewer_may_see(
    case, admit, supervisor, other_supervisor, other_worker, team_b, login, layout, today
):
    """A child with an old stay on a team-B case and a current one on team A's case."""
    from shelter import services
    from tests.factories import open_case

    old_case = open_case(actor=other_supervisor, child=case.child, team=team_b, lead=other_worker)
    old = admit(old_case, started_on=today - timedelta(days=90))
    services.stay_discharge(
        actor=supervisor,
        stay=old,
        ended_on=today - timedelta(days=60),
        destination="home",
        reason="帰宅",
    )
    current = admit(case, bed=layout[0])
    page = login(other_worker).get(reverse("casework:child_detail", args=[case.child_id]))
    assert page.status_code == 200  # they hold the old case
    body = page.content.decode()
    assert reverse("shelter:stay_detail", args=[old.pk]) in body
    assert reverse("shelter:stay_detail", args=[current.pk]) not in body


def test_supervisors_see_occupancy_and_deadlines_on_their_home(
    case, admit, supervisor, login, layout, today
):
    admit(case, bed=layout[0], started_on=today - timedelta(days=8))
    page = login(supervisor).get(reverse("casework:dashboard")).content.decode()
    assert "一時保護所" in page
    assert '<p class="stat__value">1<span class="stat__unit">/ 12</span>' in page
    assert "期限超過" in page
    assert case.child.full_name in page


def test_seed_demo_fills_the_shelter_at_every_stage_and_is_idempotent(db):
    from django.core.management import call_command

    from shelter.choices import Destination
    from shelter.models import Bed, Extension, Stay

    call_command("seed_demo", cases=60, password="demo-pass-for-tests-1")
    assert Bed.objects.filter(active=True).count() == 12
    current = Stay.objects.in_house()
    assert 0 < current.count() < 12  # partly full
    assert Stay.objects.active().filter(kind="entrusted").count() == 1
    ended = set(Stay.objects.filter(ended_on__isnull=False).values_list("destination", flat=True))
    assert ended == set(Destination.values)
    assert Extension.objects.filter(approved=True, parental_consent=False).exists()
    assert current.filter(parental_consent=True).exists()
    assert current.filter(warrant_result="granted").exists()
    assert current.filter(warrant_requested_on__isnull=True, parental_consent=False).exists()
    before = Stay.objects.count()
    call_command("seed_demo", cases=60, password="demo-pass-for-tests-1")
    assert Stay.objects.count() == before
