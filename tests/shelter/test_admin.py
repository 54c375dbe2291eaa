"""The admin role configures the layout (rooms and beds); stays are not in the admin."""

import pytest
from django.urls import reverse

from shelter.models import Bed

pytestmark = pytest.mark.django_db


def test_admin_role_may_add_a_bed_to_a_room(admin_user, login, layout):
    room = layout[0].room
    response = login(admin_user).post(
        reverse("admin:shelter_bed_add"),
        {"room": room.pk, "label": "101-B", "active": "on", "sort_order": 2},
    )
    assert response.status_code == 302
    assert Bed.objects.filter(label="101-B", room=room).exists()


def test_an_occupied_bed_cannot_be_taken_out_of_use(admin_user, login, layout, admit, new_case):
    admit(new_case(), bed=layout[0])
    response = login(admin_user).post(
        reverse("admin:shelter_bed_change", args=[layout[0].pk]),
        {"room": layout[0].room_id, "label": layout[0].label, "sort_order": 1},
    )
    assert response.status_code == 200
    assert "入所中の児童がいるため" in response.content.decode()
    layout[0].refresh_from_db()
    assert layout[0].active


def test_stays_are_not_in_the_admin(admin_user, login, layout):
    page = login(admin_user).get(reverse("admin:index")).content.decode()
    assert "ベッド" in page
    assert "/admin/shelter/stay/" not in page
