"""Journey (ISSUE 5): shelter staff admit a child into a free bed, see the tile and the warrant
countdown, record the parents' consent, and later discharge the child to home."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shelter.choices import Grounds
from shelter.layout import ensure_default_layout
from shelter.models import Bed, Stay
from tests.factories import ChildFactory, decide_protection, open_case

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pass-for-tests-123"


@pytest.fixture
def waiting_case(supervisor, caseworker, team_a):
    ensure_default_layout()
    child = ChildFactory(
        family_name="森",
        given_name="陽葵",
        family_name_kana="もり",
        given_name_kana="ひまり",
        birth_date=date(2016, 8, 3),
        sex="F",
        allergies="そば",
    )
    case = open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
    # The case's worker decided 一時保護 on the case file: the child waits for admission.
    decide_protection(
        actor=caseworker, case=case, decided_on=timezone.localdate(), grounds=Grounds.ABUSE
    )
    return case


def tile_bed(case) -> int:
    return Bed.objects.get(label="201").pk


def test_shelter_staff_admit_record_consent_and_discharge_home(
    page, live_server, e2e_login, waiting_case, shelter_user
):
    case = waiting_case
    today = timezone.localdate().isoformat()
    e2e_login(page, live_server, shelter_user.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("一時保護所 ベッドボード")
    expect(page.locator("#occupancy")).to_contain_text("0/ 12")

    # A free bed in a girls' room: admit from its tile, choosing from the children waiting.
    tile = page.get_by_role("listitem", name="201号室", exact=True)
    tile.get_by_role("link", name="入所").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("入所待ちの児童")
    waiting = page.get_by_role("row", name="森 陽葵")
    waiting.get_by_role("link", name="入所を記録").click()
    expect(page.get_by_text("森 陽葵（もり ひまり）")).to_be_visible()
    expect(page.get_by_label("ベッド")).to_have_value(str(tile_bed(case)))
    page.get_by_label("保護開始日").fill(today)
    page.get_by_label("なし（または未確認）").check()
    page.get_by_role("button", name="入所を確定").click()

    expect(page.get_by_text("ベッド 201 への入所を記録しました。")).to_be_visible()
    expect(page.locator("#occupancy")).to_contain_text("1/ 12")
    tile = page.get_by_role("listitem", name="201号室", exact=True)
    expect(tile).to_contain_text("森 陽葵")
    expect(tile).to_contain_text("そば")
    expect(tile).to_contain_text("令状請求期限")
    expect(tile.locator(".deadline").first).to_contain_text("あと 6日")
    Path("test-results").mkdir(exist_ok=True)
    page.screenshot(path="test-results/shelter-board.png", full_page=True)

    # The parents consent: no warrant is due any more.
    tile.get_by_role("link", name="森 陽葵").click()
    page.get_by_text("親権者等の同意を記録").click()
    consent = page.locator("details", has_text="親権者等の同意を記録")
    consent.get_by_label("あり", exact=True).check()
    consent.get_by_label("確認日").fill(today)
    consent.get_by_role("button", name="同意の有無を保存").click()
    expect(page.get_by_text("同意の有無を記録しました。")).to_be_visible()
    expect(page.locator("#stay-h + .facts")).to_contain_text("親権者等の同意あり（令状不要）")

    # Later: discharge home, from the board.
    page.get_by_role("link", name="ベッドボード").first.click()
    page.get_by_role("listitem", name="201号室", exact=True).get_by_role(
        "link", name="退所"
    ).click()
    discharge = page.locator("details", has_text="退所（一時保護の解除）を記録")
    expect(discharge).to_have_attribute("open", "")
    discharge.get_by_label("退所日（解除日）").fill(today)
    discharge.get_by_label("退所先").select_option(label="家庭復帰")
    discharge.get_by_label("解除の理由").fill("家庭の安全が確認できたため家庭復帰とする。")
    discharge.get_by_role("button", name="退所を記録").click()

    expect(page.get_by_text("退所（一時保護の解除）を記録しました。")).to_be_visible()
    expect(page.locator("#occupancy")).to_contain_text("0/ 12")
    expect(page.get_by_role("listitem", name="201号室", exact=True)).to_contain_text("空き")
    expect(page.locator("#recent-h + .table-wrap")).to_contain_text("家庭復帰")
    stay = Stay.objects.get(child=case.child)
    assert (stay.destination, stay.parental_consent) == ("home", True)
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
