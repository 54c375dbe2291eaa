"""Journey (issue 14 "Done when"): a worker of the 子ども家庭支援センター adds a child to the 要対協
register, the entry appears on the next 実務者会議's agenda, the review is recorded and the next
review date set; the handout for a member agency prints with 「複製禁止」."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Deadline
from network import rules
from network.models import Agency, Disclosure, Entry, Review

pytestmark = [pytest.mark.e2e]

PASSWORD = "pass-for-tests-123"


@pytest.fixture
def agencies(db):
    Agency.objects.create(name="港区立高輪中学校", kind="school")
    Agency.objects.create(name="高輪警察署 生活安全課", kind="police")
    return Agency.objects.create(name="みなと保健所 健康推進課", kind="health")


def test_a_centre_worker_registers_a_child_and_records_its_review_at_the_meeting(
    page, live_server, e2e_login, network_user, agencies
):
    today = timezone.localdate()
    iso = today.isoformat()
    e2e_login(page, live_server, network_user.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("要対協の登録（進行管理台帳）")

    # The registration: a child the centre does not know yet.
    page.get_by_role("link", name="新しく登録する").click()
    page.get_by_label("登録区分").select_option(label="要保護児童")
    page.locator("#id_family_name").fill("池田")
    page.locator("#id_given_name").fill("湊")
    page.locator("#id_family_name_kana").fill("いけだ")
    page.locator("#id_given_name_kana").fill("みなと")
    page.get_by_label("生年月日").fill("2014-01-14")
    page.get_by_label("性別").select_option(label="男")
    page.get_by_label("町名").select_option("高輪")
    page.get_by_label("主担当機関").select_option(label="港区立高輪中学校")
    page.get_by_label("高輪警察署 生活安全課").check()
    page.get_by_label("登録の理由").fill("面前DVの通告。母子は区内で生活を継続。")
    page.get_by_label("次回の進行管理").fill(iso)
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("要対協に登録しました。")).to_be_visible()
    entry = Entry.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(entry.number)

    # The next 実務者会議: its agenda is built from the entries due, this one among them.
    page.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name="実務者会議"
    ).click()
    page.get_by_label("開催日").fill(iso)
    page.get_by_label("会議名").fill("12月 実務者会議")
    page.get_by_role("button", name="登録して議題を作る").click()
    item = page.locator("article", has_text=entry.number)
    expect(item).to_be_visible()
    expect(item).to_contain_text("池田 湊")

    # The review at the meeting: situation, lead agency, 援助方針, next review date.
    next_review = rules.next_review(today)
    item.get_by_label("現在の状況").fill("登校は安定。母子ともに警察の見守りを継続。")
    item.get_by_label("主担当機関").select_option(label="みなと保健所 健康推進課")
    item.get_by_label("援助方針").fill("保健所が母の相談を継続し、学校は出欠を毎週共有する。")
    expect(item.get_by_label("次回の進行管理")).to_have_value(next_review.isoformat())
    item.get_by_role("button", name="進行管理を記録する").click()
    expect(page.get_by_text("進行管理を記録しました。")).to_be_visible()
    expect(page.locator("article", has_text=entry.number)).to_contain_text("記録済み")

    review = Review.objects.get()
    entry.refresh_from_db()
    assert entry.next_review_on == next_review == review.next_review_on
    assert entry.lead_agency == agencies
    assert Deadline.objects.get(kind="network_review", state="met").evidence_id == str(review.pk)
    assert Deadline.objects.get(kind="network_review", state="open").due_at.date() >= next_review

    # The handout for the police: printed, with 複製禁止 and the recipient, and recorded.
    page.get_by_label("配付先の機関").select_option(label="高輪警察署 生活安全課")
    page.get_by_role("button", name="配付資料を作る").click()
    expect(page.locator("h1")).to_contain_text("配付資料")
    expect(page.locator("table")).to_contain_text(entry.number)
    expect(page.locator("table")).not_to_contain_text("池田")
    page.emulate_media(media="print")
    expect(page.locator(".handout-running--top")).to_be_visible()
    expect(page.locator(".handout-running--top")).to_contain_text("複製禁止")
    expect(page.locator(".handout-running--top")).to_contain_text("高輪警察署")
    assert Disclosure.objects.filter(entry=entry, agency__kind="police").count() == 1

    # A session next month: the entry, reviewed, is no longer due.
    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/network/sessions/")
    page.get_by_label("開催日").fill((today + timedelta(days=30)).isoformat())
    page.get_by_label("会議名").fill("1月 実務者会議")
    page.get_by_role("button", name="登録して議題を作る").click()
    expect(
        page.get_by_text("開催日までに進行管理の時期が来ている登録はありません。")
    ).to_be_visible()
    assert page.console_errors == []
