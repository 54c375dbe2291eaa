"""The route table is configurable (DOMAIN §2): the admin role edits it; consultations stay out."""

from datetime import date

import pytest

from intake.models import Route

pytestmark = pytest.mark.django_db


DOMAIN_ROUTES = (
    "父（虐待者）",
    "母（虐待者以外）",
    "親戚",
    "近隣・知人",
    "児童本人",
    "福祉事務所",
    "保健センター",
    "市町村（その他）",
    "他の児童相談所",
    "保育所",
    "児童福祉施設（その他）",
    "里親",
    "警察等",
    "幼稚園",
    "学校",
    "教育委員会",
    "医療機関",
    "保健所",
    "児童委員",
    "その他（匿名を含む）",
)


def test_the_default_routes_cover_domain_section_2():
    names = set(Route.objects.values_list("name", flat=True))
    assert set(DOMAIN_ROUTES) <= names
    assert not Route.objects.filter(valid_to__isnull=False).exists()


def test_admin_ends_a_route_and_adds_its_successor(admin_user, login):
    client = login(admin_user)
    assert client.get("/admin/intake/route/").status_code == 200
    police = Route.objects.get(code="police")
    response = client.post(
        f"/admin/intake/route/{police.pk}/change/",
        {
            "code": "police",
            "name": "警察等",
            "group": "警察等",
            "sort_order": police.sort_order,
            "valid_from": "2000-04-01",
            "valid_to": "2027-03-31",
        },
    )
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.valid_to == date(2027, 3, 31)
    assert police.history.first().history_user == admin_user
    assert client.post(f"/admin/intake/route/{police.pk}/delete/").status_code == 403


def test_a_period_that_ends_before_it_starts_is_refused(admin_user, login):
    response = login(admin_user).post(
        "/admin/intake/route/add/",
        {
            "code": "x",
            "name": "新経路",
            "group": "その他",
            "sort_order": 1,
            "valid_from": "2026-04-01",
            "valid_to": "2026-03-31",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Route.objects.filter(code="x").exists()


def test_admin_sees_no_consultations(admin_user, report, login):
    client = login(admin_user)
    assert client.get("/admin/intake/consultation/").status_code == 404
    assert client.get(f"/intake/{report.pk}/").status_code == 403
