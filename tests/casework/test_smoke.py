import pytest

from casework.models import Case

pytestmark = pytest.mark.django_db


def test_lead_caseworker_sees_their_case_and_other_team_does_not(case, caseworker, other_worker):
    assert list(Case.objects.visible_to(caseworker)) == [case]
    assert list(Case.objects.visible_to(other_worker)) == []


def test_supervisor_sees_team_cases(case, other_case, supervisor):
    assert list(Case.objects.visible_to(supervisor)) == [case]
