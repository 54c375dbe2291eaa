"""Journey (ISSUE 3): a caseworker finds a case by kana name, adds a home-visit note and sees it
on the timeline, proposes the plan; the supervisor approves it and later the closure."""

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from casework import services
from casework.choices import CaseStatus
from casework.models import Case
from tests.factories import ChildFactory, open_case

pytestmark = [pytest.mark.e2e]

PASSWORD = "pass-for-tests-123"


@pytest.fixture
def journey_case(supervisor, caseworker, team_a):
    child = ChildFactory(
        family_name="森",
        given_name="陽葵",
        family_name_kana="もり",
        given_name_kana="ひまり",
        birth_date=date(2017, 8, 3),
    )
    case = open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
    services.case_move_status(actor=caseworker, case=case, to=CaseStatus.INVESTIGATION)
    services.case_move_status(
        actor=caseworker, case=case, to=CaseStatus.JUDGMENT, reason="判定会議（所内）"
    )
    # Other cases in the list so the search has something to do.
    open_case(actor=supervisor, team=team_a, lead=caseworker)
    return case


def test_caseworker_and_supervisor_run_a_case_to_closure(
    page, live_server, e2e_login, journey_case, caseworker, supervisor
):
    case = journey_case
    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/")
    page.get_by_label("氏名（ふりがな）").fill("モリ ヒマリ")  # katakana and a space still match
    page.get_by_label("生年月日").fill("2017-08-03")
    page.get_by_role("button", name="絞り込む").click()
    expect(page.get_by_text("1 件")).to_be_visible()
    page.get_by_role("link", name=case.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.number)

    page.get_by_text("ケース記録を追加").click()
    note = page.locator("details", has_text="ケース記録を追加")
    note.get_by_label("種別").select_option(label="家庭訪問")
    note.get_by_label("実施日時").fill("2026-11-20T15:30")
    note.get_by_label("内容").fill("家庭訪問。本人と母に面接し、居室の様子を確認した。")
    note.get_by_role("button", name="記録を保存").click()
    expect(page.get_by_text("記録を追加しました。")).to_be_visible()
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("家庭訪問。本人と母に面接し")
    expect(timeline).to_contain_text("家庭訪問")

    page.get_by_text("援助方針の承認を申請").click()
    plan = page.locator("details", has_text="援助方針の承認を申請")
    plan.locator("select").select_option(label="在宅（地域の支援）")
    plan.get_by_label("方針の内容").fill("在宅で見守り、月1回家庭訪問する。")
    plan.get_by_role("button", name="申請する").click()
    expect(page.get_by_text("援助方針の承認を申請しました。")).to_be_visible()
    page.get_by_role("button", name="ログアウト").click()

    e2e_login(page, live_server, supervisor.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_label("承認する").check()
    page.get_by_role("button", name="判断を記録").click()
    expect(page.locator(".page-header")).to_contain_text("援助方針決定")
    page.get_by_role("button", name="ログアウト").click()

    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_text("終結の承認を申請").click()
    closure = page.locator("details", has_text="終結の承認を申請")
    closure.get_by_label("終結区分").select_option(label="在宅で終結（助言・継続指導終了）")
    closure.get_by_label("終結の理由").fill("家庭の養育環境が安定した。")
    closure.get_by_role("button", name="申請する").click()
    page.get_by_role("button", name="ログアウト").click()

    e2e_login(page, live_server, supervisor.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_label("承認する").check()
    page.get_by_role("button", name="判断を記録").click()
    expect(page.locator(".page-header")).to_contain_text("終結")
    assert Case.objects.get(pk=case.pk).status == CaseStatus.CLOSED
    Path("test-results").mkdir(exist_ok=True)
    page.screenshot(path="test-results/case-closed.png", full_page=True)
