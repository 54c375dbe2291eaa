"""Journey (issue 11): a caseworker sees a 愛の手帳 re-judgment on the home page, records the
judgment, and the deadline closes with that judgment as its evidence; a supervisor acknowledges
an escalated 48-hour check."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from casework import rules
from casework.handbooks import handbook_register
from casework.models import Deadline
from casework.wareki import wareki_safe
from tests.factories import ChildFactory, open_case

PASSWORD = "pass-for-tests-123"


def test_a_rejudgment_is_seen_at_home_recorded_and_closed_with_its_evidence(
    page, live_server, e2e_login, supervisor, team_a, caseworker
):
    today = timezone.localdate()
    birth = rules.birthday_in(today + timedelta(days=40), -3)  # 3 in forty days
    child = ChildFactory(
        family_name="佐藤",
        given_name="さくら",
        family_name_kana="さとう",
        given_name_kana="さくら",
        birth_date=birth,
    )
    open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
    handbook_register(
        actor=caseworker,
        child=child,
        number="第2024001号",
        degree=3,
        issued_on=birth + timedelta(days=400),
    )
    call_command("run_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115

    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="期限"))
    expect(panel).to_contain_text("愛の手帳の再判定")
    expect(panel).to_contain_text("あと 40日")
    expect(page.get_by_role("navigation", name="メインメニュー")).to_contain_text("期限")
    Path("test-results").mkdir(exist_ok=True)
    page.screenshot(path="test-results/home-deadlines.png", full_page=True)

    panel.get_by_role("link", name="佐藤 さくら").click()
    handbook = page.locator("section", has=page.get_by_role("heading", name="愛の手帳"))
    expect(handbook).to_contain_text("3歳の再判定")
    handbook.get_by_text("判定を記録").click()
    form = handbook.locator("details", has_text="判定を記録")
    form.get_by_label("判定日").fill(today.isoformat())
    form.get_by_label("判定した程度").select_option(label="3度（中度）")
    form.get_by_label("所見").fill("発達検査の結果、程度に変化なし。")
    form.get_by_role("button", name="判定を保存").click()
    expect(page.get_by_text("判定を記録しました。")).to_be_visible()
    expect(handbook).to_contain_text("6歳の再判定")

    deadline = Deadline.objects.get(kind="handbook_rejudgment")
    assert deadline.state == "met"
    assert deadline.evidence_type == "casework.HandbookJudgment"
    page.goto(f"{live_server.url}/reminders/?state=met")
    expect(page.locator("table")).to_contain_text("期限内に完了")
    judged = wareki_safe(today, weekday=False)
    expect(page.locator("table")).to_contain_text(f"判定（{judged}")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_supervisor_acknowledges_an_escalated_48_hour_check(
    page, live_server, e2e_login, supervisor, intake_user, team_a
):
    from intake.models import Route
    from intake.services import ConsultationData, Reporter, consultation_create

    consultation_create(
        actor=intake_user,
        data=ConsultationData(
            team=team_a,
            received_at=timezone.now() - timedelta(hours=44),
            channel="hotline",
            route=Route.objects.first(),
            category=1,
            urgency="high",
            summary="近隣から泣き声の通報",
            abuse_types=["physical"],
            reporter=Reporter(anonymous=True),
        ),
        new_child=ChildFactory.build(family_name="森", given_name="陽葵"),
    )
    call_command("run_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Deadline.objects.get(kind="safety_check").notifications.filter(step="6h").exists()

    e2e_login(page, live_server, supervisor.username, PASSWORD)
    page.goto(f"{live_server.url}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="期限"))
    expect(panel).to_contain_text("48時間以内の安全確認")
    expect(panel).to_contain_text("あと 3時間")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="期限").click()
    row = page.get_by_role("row", name="48時間以内の安全確認")
    row.get_by_role("button", name="確認した").click()
    expect(page.get_by_text("確認を記録しました。")).to_be_visible()
    expect(page.get_by_role("row", name="48時間以内の安全確認")).to_contain_text("確認済")
    deadline = Deadline.objects.get(kind="safety_check")
    assert deadline.acknowledged_by == supervisor
    page.screenshot(path="test-results/reminders-acknowledged.png", full_page=True)
