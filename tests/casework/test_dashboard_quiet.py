"""The supervisor's list of cases gone quiet (issue 12 item 11): longest silence first, with the
date of the last record, and a link to the full filtered list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Case, CaseNote
from tests.factories import ChildFactory, open_case

pytestmark = pytest.mark.django_db


def quiet_case(*, supervisor, team, lead, opened_on, last_note_days_ago=None):
    case = open_case(
        actor=supervisor, child=ChildFactory(), team=team, lead=lead, opened_on=opened_on
    )
    if last_note_days_ago is not None:
        CaseNote.objects.create(
            case=case,
            kind="phone",
            occurred_at=timezone.now() - timedelta(days=last_note_days_ago),
            author=lead,
            body="電話連絡",
        )
    return case


def test_quiet_cases_come_longest_silence_first_with_the_last_record(
    supervisor, team_a, caseworker, login
):
    today = timezone.localdate()
    opened = today - timedelta(days=400)
    kw = {"supervisor": supervisor, "team": team_a, "lead": caseworker}
    recent_silence = quiet_case(**kw, opened_on=opened, last_note_days_ago=35)
    long_silence = quiet_case(**kw, opened_on=opened, last_note_days_ago=200)
    never = quiet_case(**kw, opened_on=today - timedelta(days=60))
    busy = quiet_case(**kw, opened_on=opened, last_note_days_ago=3)
    response = login(supervisor).get(reverse("casework:dashboard"))
    shown = [case.pk for case in response.context["stale"]]
    # 200 days since a note, then 60 days since acceptance with none, then 35 days.
    assert shown == [long_silence.pk, never.pk, recent_silence.pk]
    assert busy.pk not in shown
    body = response.content.decode()
    assert "200日" in body and "記録なし" in body


def test_more_quiet_cases_than_shown_link_to_the_full_filtered_list(
    supervisor, team_a, caseworker, login
):
    opened = timezone.localdate() - timedelta(days=100)
    for _ in range(22):
        quiet_case(supervisor=supervisor, team=team_a, lead=caseworker, opened_on=opened)
    client = login(supervisor)
    body = client.get(reverse("casework:dashboard")).content.decode()
    assert "30日以上記録のないケースをすべて見る（22件）" in body
    listing = client.get(reverse("casework:case_list"), {"status": "open", "quiet": "on"})
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == 22
    assert Case.objects.count() == 22
