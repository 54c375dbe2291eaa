"""Journey (issue 14 item 3): the caseworker's home visit finds nobody in; the case file then
proposes the next legal steps; she records a 出頭要求 from the pre-filled form and prints the
出頭要求告知書 drawn from the record. The 48-hour clock keeps running throughout."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from casework import services as casework_services
from intake import services as intake_services
from intake.models import Consultation, LegalStep
from intake.models import Route as ReferralRoute
from tests.factories import ChildFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "pass-for-tests-123"


def test_a_failed_visit_then_a_summons_printed_from_the_record(
    page, live_server, e2e_login, intake_user, supervisor, caseworker, team_a
):
    now = timezone.now()
    data = intake_services.ConsultationData(
        team=team_a,
        received_at=now - timedelta(hours=5),
        channel="hotline",
        route=ReferralRoute.objects.effective_on(now.date()).first(),
        category=1,
        urgency="high",
        summary="夜間に子どもの泣き声と怒鳴り声が続く。",
        abuse_types=["physical"],
        reporter=intake_services.Reporter(anonymous=True),
    )
    report = intake_services.consultation_create(
        actor=intake_user,
        data=data,
        new_child=ChildFactory.build(family_name="森", given_name="陽葵"),
    )
    case = intake_services.consultation_accept(
        actor=supervisor, consultation=report, team=team_a, lead=caseworker
    )
    casework_services.household_add(
        actor=caseworker,
        child=case.child,
        data={"relationship": "mother", "name": "森 裕子", "is_guardian": True},
    )

    # The home visit: nobody answers the door.
    e2e_login(page, live_server, caseworker.username, PASSWORD)
    page.goto(live_server.url + reverse("intake:detail", args=[report.pk]))
    page.get_by_label("確認した人").fill(str(caseworker))
    page.get_by_label("確認した場所").fill("自宅（玄関前）")
    page.get_by_label("確認の方法").select_option(label="家庭訪問（会えず）")
    page.locator("#id_attempt_outcome").select_option(label="不在")
    page.get_by_role("button", name="安全確認を保存").click()
    expect(page.get_by_text("48時間の期限は続きます")).to_be_visible()
    expect(page.locator("#safety-clock .deadline")).to_have_count(1)

    # The case file proposes the next legal steps.
    page.goto(live_server.url + reverse("casework:case_detail", args=[case.pk]))
    page.get_by_role("link", name="出頭要求を記録").first.click()
    expect(page.get_by_role("heading", name="出頭要求の記録")).to_be_visible()
    expect(page.get_by_label("相手方（保護者の氏名）")).to_have_value("森 裕子")
    expect(page.get_by_label("場所")).to_have_value("港区児童相談所")
    expect(page.get_by_label("担当職員")).to_have_value(str(caseworker.pk))
    page.get_by_label("期日（日時）").fill(
        (timezone.localdate() + timedelta(days=2)).isoformat() + "T10:00"
    )
    page.get_by_role("button", name="出頭要求を保存").click()
    expect(page.get_by_text("出頭要求を記録しました。")).to_be_visible()
    step = LegalStep.objects.get()
    assert step.kind == "appearance" and step.pending

    # The document, drawn from the record, on A4.
    page.get_by_role("link", name="出頭要求告知書を印刷").click()
    expect(page).to_have_url(re.compile(rf"/intake/steps/{step.pk}/print/$"))
    document = page.locator("article.legal-doc")
    expect(document.get_by_role("heading", name="出頭要求告知書")).to_be_visible()
    expect(document).to_contain_text("森 裕子 様")
    expect(document).to_contain_text("児童虐待の防止等に関する法律第8条の2第1項")
    expect(document).to_contain_text("港区児童相談所長")
    expect(document).to_contain_text("森 陽葵")
    expect(document).to_contain_text("10:00")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="印刷する")).to_be_hidden()
    page.emulate_media(media="screen")

    # The clock still runs; the timeline shows the step.
    assert Consultation.objects.get(pk=report.pk).clock_open
    page.goto(live_server.url + reverse("casework:case_detail", args=[case.pk]))
    expect(page.locator(".timeline")).to_contain_text("出頭要求：港区児童相談所")
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
