import pytest

from casework.models import Case

pytestmark = pytest.mark.django_db


def test_lead_caseworker_sees_their_case_and_other_team_does_not(case, caseworker, other_worker):
    assert list(Case.objects.visible_to(caseworker)) == [case]
    assert list(Case.objects.visible_to(other_worker)) == []


def test_supervisor_sees_team_cases(case, other_case, supervisor):
    assert list(Case.objects.visible_to(supervisor)) == [case]


def test_scope_matches_guardians_get_objects_for_user(
    case, other_case, caseworker, coworker, other_worker
):
    """The case rule names the permission by id for speed; the answer must be guardian's."""
    from guardian.shortcuts import get_objects_for_user

    from casework.services import assign_worker

    assign_worker(actor=case.lead, case=case, user=coworker, role="psych", is_lead=False)
    for user in (caseworker, coworker, other_worker):
        expected = set(
            get_objects_for_user(
                user,
                "casework.view_case",
                klass=Case,
                use_groups=False,
                accept_global_perms=False,
                with_superuser=False,
            )
        )
        assert set(Case.objects.visible_to(user)) == expected


def test_global_permission_or_superuser_flag_grants_no_case(case, other_worker):
    from django.contrib.auth.models import Permission

    other_worker.user_permissions.add(Permission.objects.get(codename="view_case"))
    other_worker.is_superuser = True
    other_worker.save()
    assert not Case.objects.visible_to(other_worker).exists()


def test_every_page_offers_the_language_switch_and_it_switches(caseworker, auditor, login):
    """Issue 12 item 13: the README said English was available, with no way to switch."""
    from django.urls import reverse

    for user in (caseworker, auditor):
        client = login(user)
        home = client.get("/", follow=True)
        assert 'id="language-select"' in home.content.decode()
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert response.status_code == 302
        assert client.cookies["django_language"].value == "en"
