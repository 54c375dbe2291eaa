"""Journey (issue 10 "Done when"): a foster worker takes an applicant from 制度説明 to 認定・登録
through every stage, sees the new home with its expiry date, and a caseworker's proposed
placement of a child is confirmed into it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework import rules
from casework.wareki import wareki_safe
from foster.models import Home, Placement
from tests.factories import ChildFactory, open_case

pytestmark = [pytest.mark.e2e]

PASSWORD = "pass-for-tests-123"


@pytest.fixture
def child_case(supervisor, caseworker, team_a):
    child = ChildFactory(
        family_name="森",
        given_name="陽葵",
        family_name_kana="もり",
        given_name_kana="ひまり",
        birth_date=date(2017, 8, 3),
        sex="F",
        allergies="そば",
    )
    return open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()


def record_step(page, stage: str, today: str, **extra) -> None:
    form = page.locator("details", has_text="次の段階を記録")
    expect(form.locator("summary")).to_contain_text(stage)
    form.locator("select[name=stage]").select_option(label=stage)
    form.get_by_label("実施日").fill(today)
    if "outcome" in extra:
        form.get_by_label("結果").select_option(label=extra["outcome"])
    if "session" in extra:
        form.get_by_label("審議した児童福祉審議会").select_option(label=extra["session"])
    if "capacity" in extra:
        form.get_by_label("受託できる人数").select_option(extra["capacity"])
    form.get_by_role("button", name="段階を記録").click()
    expect(page.get_by_text("段階を記録しました。")).to_be_visible()


def test_a_foster_worker_certifies_a_home_and_a_proposed_placement_is_confirmed(
    page, live_server, e2e_login, foster_user, caseworker, child_case
):
    today = timezone.localdate()
    iso = today.isoformat()
    e2e_login(page, live_server, foster_user.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("里親 認定までの流れ")

    # A council session, then the household's application.
    page.locator("summary", has_text="審議会を登録する").click()
    session = page.locator("details", has_text="審議会を登録する")
    session.get_by_label("開催日").fill(iso)
    session.get_by_label("会議名").fill("港区児童福祉審議会 里親認定部会")
    session.get_by_role("button", name="審議会を登録").click()
    expect(page.get_by_text("児童福祉審議会を登録しました。")).to_be_visible()

    page.get_by_role("link", name="申込みを受け付ける").click()
    page.get_by_label("申請者氏名").fill("青木 健一・美穂")
    page.get_by_label("ふりがな").fill("あおき けんいち・みほ")
    page.get_by_label("電話番号").fill("03-5555-0101")
    page.get_by_label("町名").select_option("白金")
    page.get_by_label("希望する里親の種類").select_option(label="養育里親（養育家庭）")
    page.get_by_label("制度を知ったきっかけ").select_option(label="説明会・イベント")
    page.get_by_label("受付日").fill(iso)
    page.get_by_role("button", name="受け付ける").click()
    expect(page.get_by_text("申込みを受け付けました。")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("青木 健一・美穂")

    # A skipped stage is refused, in Japanese.
    form = page.locator("details", has_text="次の段階を記録")
    form.locator("select[name=stage]").select_option(label="家庭調査")
    form.get_by_label("実施日").fill(iso)
    form.get_by_role("button", name="段階を記録").click()
    expect(page.locator(".error-summary")).to_contain_text("段階を飛ばすことはできません")

    record_step(page, "制度説明", iso)
    for course in ("基礎研修", "登録前研修"):
        page.locator("summary", has_text="研修の受講を記録").click()
        training = page.locator("details", has_text="研修の受講を記録")
        training.get_by_label("研修").select_option(label=course)
        training.get_by_label("受講修了日").fill(iso)
        training.get_by_role("button", name="受講を記録").click()
        expect(page.get_by_text("研修の受講を記録しました。")).to_be_visible()
    record_step(page, "認定前研修", iso)
    record_step(page, "申請書提出", iso)
    page.locator("summary", has_text="家庭調査の訪問を記録").click()
    visit = page.locator("details", has_text="家庭調査の訪問を記録")
    visit.get_by_label("訪問日").fill(iso)
    visit.get_by_label("所見").fill("居室・生活環境を確認。夫婦で養育の意向が一致している。")
    visit.get_by_role("button", name="訪問を記録").click()
    expect(page.get_by_text("家庭調査の訪問を記録しました。")).to_be_visible()
    record_step(page, "家庭調査", iso)
    session_label = f"港区児童福祉審議会 里親認定部会（{iso}）"
    record_step(page, "児童福祉審議会", iso, outcome="認定適当（承認）", session=session_label)
    record_step(page, "認定・登録", iso, capacity="2")
    expect(page.locator("#stages .stages__item--done")).to_have_count(6)

    # The new home, with its expiry date (5 years for 養育里親, DOMAIN §5).
    page.get_by_role("link", name="登録里親のページ").click()
    expiry = rules.foster_registration_expiry(today, "nurturing")
    facts = page.locator("#home-facts")
    expect(facts).to_contain_text(wareki_safe(expiry))
    expect(facts).to_contain_text(expiry.isoformat())
    expect(facts).to_contain_text("2 人（空き 2）")
    home = Home.objects.get()
    log_out(page)

    # The case's worker proposes the home for the child, from the case file.
    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{child_case.pk}/")
    page.locator("summary", has_text="里親委託を提案する").click()
    propose = page.locator("details", has_text="里親委託を提案する")
    expect(propose.locator("#matching")).to_contain_text("青木 健一・美穂")
    propose.get_by_label("里親家庭").select_option(str(home.pk))
    propose.get_by_label("委託開始予定日").fill(iso)
    propose.get_by_label("養育上の配慮事項").fill("そばアレルギー。通学は継続。")
    # The child's views, heard before the decision (意見聴取, 児童福祉法33条の3の3).
    propose.get_by_label("決定の前に聴取").check()
    propose.get_by_label("聴取日").fill(today.isoformat())
    propose.get_by_label("聴取の方法").select_option("interview")
    propose.get_by_label("意見表明等支援員（アドボケイト）を案内した").check()
    propose.get_by_label("子どもが話したこと（意見・意向）").fill(
        "学校を変えたくない。犬がいる家がいい。"
    )
    propose.get_by_role("button", name="委託を提案").click()
    expect(page.get_by_text("里親委託を提案しました。")).to_be_visible()
    expect(page.locator("#case-placements")).to_contain_text("委託の提案（確認待ち）")
    expect(page.locator("#views")).to_contain_text("里親委託の決定")
    expect(page.locator("#views")).to_contain_text("学校を変えたくない")
    log_out(page)

    # The foster team sees the child's name, age and needs, and confirms.
    e2e_login(page, live_server, foster_user.username, PASSWORD)
    page.goto(f"{live_server.url}/foster/homes/{home.pk}/")
    proposals = page.locator("section", has_text="確認待ちの委託の提案")
    expect(proposals).to_contain_text("森 陽葵")
    expect(proposals).to_contain_text("そばアレルギー")
    proposals.get_by_label("委託開始日").fill(iso)
    proposals.get_by_role("button", name="委託を確定").click()
    expect(page.get_by_text("委託を確定しました。")).to_be_visible()
    expect(page.locator("#current")).to_contain_text("森 陽葵")
    expect(page.locator("#home-facts")).to_contain_text("2 人（空き 1）")
    Path("test-results").mkdir(exist_ok=True)
    page.screenshot(path="test-results/foster-home.png", full_page=True)
    log_out(page)

    # The case's worker sees the placement on the case timeline.
    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{child_case.pk}/")
    expect(page.locator(".timeline")).to_contain_text("里親委託を開始（青木 健一・美穂")
    expect(page.locator("#case-placements")).to_contain_text("03-5555-0101")
    assert Placement.objects.get(child=child_case.child).is_active
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
