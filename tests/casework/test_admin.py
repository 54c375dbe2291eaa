"""The admin role manages staff and teams in the Django admin and sees no case content."""

import pytest

pytestmark = pytest.mark.django_db


def test_admin_manages_staff_and_teams(admin_user, login):
    client = login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/casework/user/").status_code == 200
    assert client.get("/admin/casework/team/").status_code == 200


def test_admin_cannot_reach_case_content(admin_user, case, login):
    client = login(admin_user)
    assert client.get("/admin/casework/case/").status_code == 404  # not registered at all
    assert client.get(f"/cases/{case.pk}/").status_code == 403
    assert client.get(f"/children/{case.child_id}/").status_code == 404


def test_caseworker_cannot_use_the_admin(caseworker, login):
    response = login(caseworker).get("/admin/")
    assert response.status_code == 302
