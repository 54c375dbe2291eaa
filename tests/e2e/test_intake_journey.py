"""Journey (ISSUE 4): at night the intake worker records an anonymous abuse report for a new
child; the supervisor sees the countdown on the home page and accepts it into a case; the
caseworker records the safety confirmation and the clock disappears."""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from intake.models import Consultation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pass-for-tests-123"
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def night():
    """23:40 tonight in Tokyo; the clock runs on from there (server side)."""
    tonight = datetime.combine(timezone.localdate(), time(23, 40), tzinfo=TOKYO)
    with time_machine.travel(tonight, tick=True):
        yield tonight


def log_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_a_night_report_is_accepted_and_its_clock_stopped_by_a_home_visit(
    page, live_server, e2e_login, night, intake_user, supervisor, caseworker
):
    # 23:40 — the hotline rings; the intake worker records an anonymous report.
    e2e_login(page, live_server, intake_user.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/intake/$"))
    page.get_by_role("link", name="新しい相談・通告を受け付ける").click()
    expect(page.locator("#id_received_at")).to_have_value(re.compile(r"T23:4\d$"))
    page.get_by_label("受付方法").select_option(label="虐待通告ダイヤル")
    page.locator("#id_route").select_option(label="その他（匿名を含む）")
    page.locator("#id_category").select_option(label="1. 児童虐待相談")
    page.get_by_label("身体的虐待").check()
    page.get_by_label("心理的虐待").check()
    page.get_by_label("高", exact=True).check()
    page.get_by_label("相談内容").fill("隣の部屋から子どもの泣き声と怒鳴り声。物が壊れる音もした。")
    page.get_by_label("匿名（通告者が名乗らない）").check()
    page.locator("#id_child-family_name").fill("森")
    page.locator("#id_child-given_name").fill("陽葵")
    page.locator("#id_child-family_name_kana").fill("もり")
    page.locator("#id_child-given_name_kana").fill("ひまり")
    page.locator("#id_child-birth_date").fill("2019-08-03")
    page.locator("#id_child-sex").select_option(label="女")
    page.locator("#id_child-town").select_option(label="芝浦")
    page.get_by_role("button", name="受け付ける", exact=True).click()

    expect(page.get_by_text("として受け付けました。")).to_be_visible()
    consultation = Consultation.objects.get()
    assert consultation.reporter_anonymous and consultation.clock_open
    clock = page.locator("#safety-clock")
    expect(clock).to_contain_text("あと 1日23時間")
    expect(page.locator("#reporter")).to_contain_text("非開示")
    expect(page.get_by_role("button", name="通告者を表示")).to_have_count(0)
    log_out(page)

    # The supervisor's home shows the countdown; the supervisor accepts the report.
    e2e_login(page, live_server, supervisor.username, PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    panel = page.locator("section", has=page.locator("#safety-clocks-h"))
    expect(panel).to_contain_text(consultation.number)
    expect(panel).to_contain_text("あと 1日23時間")
    expect(panel).to_contain_text("森 陽葵")
    panel.get_by_role("link", name=consultation.number).click()
    page.get_by_label("主担当").select_option(label=str(caseworker))
    page.get_by_role("button", name="受理する").click()
    expect(page.get_by_text("受理し、ケースを開きました。")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(consultation.number)
    log_out(page)

    # The caseworker visits, sees the child and records it: the clock stops.
    e2e_login(page, live_server, caseworker.username, PASSWORD)
    case_number = Consultation.objects.get().case.number
    # Her list shows the open safety-check deadline first, then the case itself.
    deadlines = page.locator("section", has=page.locator("#deadlines-h"))
    expect(deadlines).to_contain_text(case_number)
    deadlines.get_by_role("link", name=case_number).click()
    page.get_by_role("link", name="森 陽葵").click()
    page.get_by_role("link", name=consultation.number).click()
    expect(page.locator("#safety-clock")).to_contain_text("あと")
    page.get_by_label("確認した人").fill(str(caseworker))
    page.get_by_label("確認した場所").fill("自宅（居間）")
    page.get_by_label("確認の方法").select_option(label="家庭訪問による直接目視")
    page.locator("#id_attempt_outcome").select_option(label="目視できた")
    page.get_by_role("button", name="安全確認を保存").click()
    expect(page.get_by_text("安全確認を記録しました。")).to_be_visible()
    expect(page.locator("#safety-clock")).to_contain_text("安全確認済")
    expect(page.locator("#safety-clock .deadline")).to_have_count(0)
    log_out(page)

    e2e_login(page, live_server, supervisor.username, PASSWORD)
    panel = page.locator("section", has=page.locator("#safety-clocks-h"))
    expect(panel).to_contain_text("未確認の虐待通告はありません。")
    expect(panel).not_to_contain_text(consultation.number)
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
