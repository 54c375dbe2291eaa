"""seed_demo shaped like a real centre (issue 13): staff and teams grow with the cases (about
one worker per 60 open cases), closed cases spread over ten fiscal years, every team with its
supervisor, the audit chain verifiable afterwards, and memory flat while seeding."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from casework import rules
from casework.seed import cases as seed_cases_module
from casework.seed import core

pytestmark = pytest.mark.django_db


def test_a_centre_of_100000_cases_has_a_worker_per_60_open_cases_in_many_teams():
    open_cases = core.open_cases_for(100_000)
    assert 8_000 <= open_cases <= 15_000  # about a year's intake, not 70,000
    workers = core.workers_for(100_000)
    assert workers * 60 >= open_cases > (workers - 1) * 60
    assert workers / core.WORKERS_PER_TEAM >= 20
    assert [core.team_name(k) for k in (1, 2, 10, 23)] == [
        "相談第一係",
        "相談第二係",
        "相談第十係",
        "相談第二十三係",
    ]


def test_seed_demo_spreads_cases_over_teams_workers_and_ten_fiscal_years(monkeypatch):
    from casework.models import Case, Membership, Team

    monkeypatch.setattr(core, "WORKERS_PER_TEAM", 4)  # several teams at a test's size
    call_command("seed_demo", cases=1200, password="demo-pass-for-tests-1", stdout=io.StringIO())
    teams = Team.objects.filter(name__startswith="相談第")
    assert teams.count() >= 4
    supervised = set(Membership.objects.filter(is_supervisor=True).values_list("team", flat=True))
    assert set(teams.values_list("pk", flat=True)) <= supervised
    open_cases = Case.objects.exclude(status="closed")
    loads = list(open_cases.values("lead").annotate(n=Count("id")).values_list("n", flat=True))
    assert len(loads) >= core.workers_for(1200)
    assert max(loads) <= 2 * core.OPEN_PER_WORKER  # nobody holds thousands
    assert open_cases.values("team").distinct().count() == teams.count()
    this_year = rules.fiscal_year_of(timezone.localdate())
    closed_years = set(Case.objects.filter(status="closed").values_list("fiscal_year", flat=True))
    assert closed_years >= set(range(this_year - 9, this_year))
    out = io.StringIO()
    call_command("verify_audit", stdout=out)  # exits 1 on any problem
    assert "改ざんは見つかりませんでした" in out.getvalue()


def test_seeding_with_debug_on_keeps_the_sql_of_one_chunk_at_most(settings, monkeypatch):
    """Django keeps every statement while DEBUG is on: the seed clears it after each chunk."""
    settings.DEBUG = True
    call_command("seed_demo", cases=0, password="demo-pass-for-tests-1", stdout=io.StringIO())
    monkeypatch.setattr(seed_cases_module, "CHUNK", 20)
    seed_cases_module.seed_cases(target=200, rng=random.Random(1), today=timezone.localdate())
    assert len(connection.queries) == 0  # the last chunk's statements cleared too
    from casework.models import Case

    assert Case.objects.count() == 200
    assert len(connection.queries) == 1  # DEBUG does log here: the test can fail
