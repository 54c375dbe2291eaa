"""Consultations on casework's pages: supervisor home, case timeline, child page."""

import pytest
from django.urls import reverse

from casework.choices import Category
from intake.services import safety_confirm
from tests.intake.conftest import tokyo

pytestmark = pytest.mark.django_db


def test_the_supervisors_home_shows_every_open_clock_most_urgent_first(
    make_consultation, supervisor, login
):
    soon = make_consultation(category=Category.ABUSE, received_at=tokyo(2026, 11, 27, 14, 0))
    overdue = make_consultation(category=Category.ABUSE, received_at=tokyo(2026, 11, 26, 22, 0))
    fresh = make_consultation(category=Category.ABUSE, received_at=tokyo(2026, 11, 29, 12, 0))
    response = login(supervisor).get(reverse("casework:dashboard"))
    panel = next(p for p in response.context["panels"] if p["template"].startswith("intake/"))
    assert panel["top"] is True
    assert [c.pk for c in panel["clocks"]] == [overdue.pk, soon.pk, fresh.pk]
    body = response.content.decode()
    assert "48時間以内の安全確認" in body
    assert body.index("48時間以内の安全確認") < body.index("担当者別のケース数")  # at the top
    assert '<span class="deadline deadline--overdue"><strong>期限超過</strong>' in body
    assert "あと 59分" in body  # due 14:00 on 29 November, now just after 13:00
    assert "15時間0分超過" in body  # overdue since 22:00 on 28 November


def test_the_clock_leaves_the_home_page_once_the_child_is_seen(
    accepted_report, supervisor, caseworker, login
):
    client = login(supervisor)
    assert accepted_report.number in client.get(reverse("casework:dashboard")).content.decode()
    safety_confirm(
        actor=caseworker,
        consultation=accepted_report,
        seen_at=tokyo(2026, 11, 21, 9, 0),
        seen_by="佐藤",
        agency="centre",
        place="自宅",
        method="home_visit",
    )
    body = client.get(reverse("casework:dashboard")).content.decode()
    assert accepted_report.number not in body
    assert "未確認の虐待通告はありません" in body


def test_another_teams_supervisor_does_not_see_the_clock(report, other_supervisor, login):
    body = login(other_supervisor).get(reverse("casework:dashboard")).content.decode()
    assert report.number not in body


def test_the_case_timeline_shows_the_consultation_and_the_confirmation(
    accepted_report, caseworker, login
):
    safety_confirm(
        actor=caseworker,
        consultation=accepted_report,
        seen_at=tokyo(2026, 11, 21, 9, 0),
        seen_by="佐藤 福祉司",
        agency="partner",
        agency_name="港区子ども家庭支援センター",
        place="港区立芝浦小学校",
        method="at_school",
    )
    response = login(caseworker).get(
        reverse("casework:case_detail", args=[accepted_report.case_id])
    )
    kinds = [item.kind for item in response.context["timeline"]]
    assert "consultation" in kinds and "safety" in kinds
    body = response.content.decode()
    assert "学校・保育所等での直接目視：港区立芝浦小学校" in body
    assert "協力機関（港区子ども家庭支援センター）" in body


def test_the_intake_worker_may_open_the_child_of_a_team_consultation(
    report, intake_user, other_worker, login
):
    url = reverse("casework:child_detail", args=[report.child_id])
    response = login(intake_user).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert report.number in body
    assert f"{reverse('intake:new')}?child={report.child_id}" in body
    assert login(other_worker).get(url).status_code == 404


def test_the_lead_sees_the_consultation_on_the_childs_page(accepted_report, caseworker, login):
    url = reverse("casework:child_detail", args=[accepted_report.child_id])
    body = login(caseworker).get(url).content.decode()
    assert reverse("intake:detail", args=[accepted_report.pk]) in body
    assert "この児童の新しい相談を受け付ける" not in body  # caseworkers do not record intakes


def test_the_case_panel_lists_the_cases_open_clocks(accepted_report, caseworker, rf):
    from django.template.loader import render_to_string

    from intake.panels import case_clock_panel

    request = rf.get("/")
    request.user = caseworker
    panel = case_clock_panel(request, accepted_report.case)
    assert [c.pk for c in panel["clocks"]] == [accepted_report.pk]
    html = render_to_string(panel["template"], {"panel": panel})
    assert "期限超過" in html  # due 23:40 on 22 November
    assert reverse("intake:detail", args=[accepted_report.pk]) in html
    safety_confirm(
        actor=caseworker,
        consultation=accepted_report,
        seen_at=tokyo(2026, 11, 21, 9, 0),
        seen_by="佐藤",
        agency="centre",
        place="自宅",
        method="home_visit",
    )
    assert case_clock_panel(request, accepted_report.case) is None
