"""Persona tests for the case list and case file (PRODUCT §2: 404 outside scope, 403 for role)."""

import pytest
from django.urls import reverse

from casework.models import AccessLog, CaseNote

pytestmark = pytest.mark.django_db

# persona -> expected status for GET /cases/<id>/ of a team-A case led by `caseworker`.
CASE_DETAIL = {
    "caseworker": 200,
    "coworker": 404,  # same team, not assigned
    "other_worker": 404,
    "supervisor": 200,
    "other_supervisor": 404,
    "intake_user": 403,
    "shelter_user": 403,
    "foster_user": 403,
    "auditor": 403,
    "admin_user": 403,
    "anonymous": 302,
}


@pytest.mark.parametrize(("name", "expected"), CASE_DETAIL.items())
def test_case_detail_answers_each_persona(name, expected, case, persona, login):
    response = login(persona(name)).get(reverse("casework:case_detail", args=[case.pk]))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


def test_caseworker_cannot_open_another_teams_case_by_guessing_its_id(
    other_case, caseworker, login
):
    response = login(caseworker).get(reverse("casework:case_detail", args=[other_case.pk]))
    assert response.status_code == 404


def test_caseworker_cannot_add_a_note_to_another_teams_case(other_case, caseworker, login):
    url = reverse("casework:note_add", args=[other_case.pk])
    response = login(caseworker).post(
        url, {"kind": "phone", "occurred_at": "2026-11-20T10:00", "body": "x"}
    )
    assert response.status_code == 404
    assert not CaseNote.objects.exists()


def test_each_view_of_a_case_writes_one_access_log_row(case, caseworker, login):
    client = login(caseworker)
    before = AccessLog.objects.count()
    client.get(reverse("casework:case_detail", args=[case.pk]))
    assert AccessLog.objects.count() == before + 1
    log = AccessLog.objects.latest("id")
    assert (log.user, log.record_type, log.record_id) == (caseworker, "casework.Case", str(case.pk))
    assert log.ip_address == "127.0.0.1"
