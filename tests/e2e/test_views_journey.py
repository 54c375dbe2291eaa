"""Journey (issue 14 item 2, 意見聴取等措置): a caseworker decides 一時保護 at night before the
child could be heard — the form asks for the views or the reason; with the reason the decision
is taken and the hearing is owed on the case file and the ledger; the views heard the next day
are recorded there; the auditor sees the decision counted as heard afterwards in time."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Deadline, ViewsHearing
from shelter.layout import ensure_default_layout
from shelter.models import ProtectionDecision
from tests.factories import ChildFactory, open_case

PASSWORD = "pass-for-tests-123"


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()


def test_an_urgent_protection_then_the_views_heard_afterwards(
    page, live_server, e2e_login, supervisor, caseworker, team_a, auditor
):
    ensure_default_layout()
    child = ChildFactory(family_name="森", given_name="陽葵", birth_date=date(2016, 8, 3))
    case = open_case(actor=supervisor, child=child, team=team_a, lead=caseworker)
    today = timezone.localdate().isoformat()

    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.locator("summary", has_text="一時保護を決定する").click()
    form = page.locator("details", has_text="一時保護を決定する")
    form.get_by_label("決定日").fill(today)
    form.get_by_label("一時保護の理由").select_option("abuse")
    # Without the views section the decision is refused, in Japanese, next to the field.
    form.get_by_role("button", name="一時保護を決定").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "意見を決定の前に聴取したか、事前に聴取できなかったかを選んでください"
    )
    assert not ProtectionDecision.objects.exists()

    form = page.locator("details", has_text="一時保護を決定する")
    form.get_by_label("事前の聴取ができなかった").check()
    form.get_by_label("事前に聴取できなかった理由").select_option("urgent")
    form.get_by_label("事前に聴取できなかった事情").fill("深夜の警察からの通告で、即時に保護した。")
    form.get_by_role("button", name="一時保護を決定").click()
    expect(page.get_by_text("一時保護を決定しました。")).to_be_visible()
    views = page.locator("#views")
    expect(views).to_contain_text("一時保護の決定")
    expect(views).to_contain_text("事後の聴取：未了")
    expect(views).to_contain_text("緊急を要し、聴取の時間がなかった")
    hearing = ViewsHearing.objects.get()
    assert Deadline.objects.get(kind="views_afterwards").state == "open"

    # The views heard afterwards, recorded on the case file.
    views.locator("summary", has_text="決定後に聴取した意見を記録").click()
    after = views.locator("details", has_text="決定後に聴取した意見を記録")
    after.get_by_label("聴取日").fill(today)
    after.get_by_label("聴取の方法").select_option("play")
    after.get_by_label("意見表明等支援員（アドボケイト）を案内した").check()
    after.get_by_label("子どもが話したこと（意見・意向）").fill(
        "ここは静かでいい。お母さんに会いたい。"
    )
    after.get_by_role("button", name="聴取を記録").click()
    expect(page.get_by_text("決定後に聴取した子どもの意見を記録しました。")).to_be_visible()
    expect(page.locator("#views")).to_contain_text("お母さんに会いたい")
    expect(page.locator("#views")).to_contain_text("事後に聴取")
    hearing.refresh_from_db()
    assert hearing.method == "play" and not hearing.is_outstanding
    assert Deadline.objects.get(kind="views_afterwards").state == "met"
    log_out(page)

    # The auditor's compliance page counts it: heard afterwards, in time.
    e2e_login(page, live_server, auditor.username, PASSWORD)
    page.goto(f"{live_server.url}/audit/views/")
    row = page.locator("#views-compliance tbody tr", has_text="一時保護")
    expect(row.locator("td").nth(0)).to_have_text("1")
    expect(row.locator("td").nth(2)).to_have_text("1")
