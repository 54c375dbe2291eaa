"""The register's pages as its users meet them (issue 14 item 4; PRODUCT §2): the centre's worker
registers, reviews and prints; an entry of another centre team is 404; the network role sees no
児童相談所 case or note by guessing ids; supervisors of the centre's team read its register;
bad input is refused in Japanese with nothing saved; the handout shows the minimum and records
each disclosure with its legal basis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework.models import AccessLog, CaseNote, Child
from network.models import Agency, Disclosure, Entry, Review
from tests.network.conftest import agency, child_entry, review, session_on

pytestmark = pytest.mark.django_db


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


# --- who sees what -----------------------------------------------------------------------------


def test_the_centres_worker_opens_their_entries_and_the_access_is_logged(network_user, login):
    entry = child_entry(network_user, family="林", kana="はやし")
    client = login(network_user)
    text = page(client, reverse("network:entry_detail", args=[entry.pk]))
    assert entry.child.full_name in text and entry.reason in text
    assert AccessLog.objects.filter(record_type="network.Entry", record_id=str(entry.pk)).exists()
    assert entry.number in page(client, reverse("network:register"))


def test_the_centres_worker_cannot_open_another_centre_teams_entry(
    network_user, other_network_user, login
):
    theirs = child_entry(other_network_user)
    session = session_on(other_network_user, timezone.localdate())
    client = login(network_user)
    for url in (
        reverse("network:entry_detail", args=[theirs.pk]),
        reverse("network:entry_edit", args=[theirs.pk]),
        reverse("network:session_detail", args=[session.pk]),
    ):
        assert client.get(url).status_code == 404
    assert theirs.number not in page(client, reverse("network:register") + "?state=")
    sessions = page(client, reverse("network:session_list"))
    assert reverse("network:session_detail", args=[session.pk]) not in sessions


def test_the_network_role_cannot_open_a_case_or_its_notes_by_guessing_ids(
    network_user, case, login
):
    from casework import services as casework_services

    casework_services.note_add(
        actor=case.lead,
        case=case,
        kind="home_visit",
        occurred_at=timezone.now(),
        body="家庭訪問の記録",
    )
    assert CaseNote.objects.filter(case=case).exists()
    client = login(network_user)
    assert client.get(reverse("casework:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("casework:case_list")).status_code == 403
    assert client.get(reverse("casework:child_detail", args=[case.child_id])).status_code == 404
    from casework.models import Case

    assert not Case.objects.visible_to(network_user).exists()


def test_a_case_shared_with_the_centres_worker_is_read_only_theirs_until_unshared(
    network_user, case, supervisor, login
):
    """PRODUCT §2: no 児童相談所 case notes "unless assigned to the case" — the case's supervisor
    shares it (read only, with a reason, logged); ending the share takes it away again."""
    from casework import services as casework_services
    from casework.models import Case, CaseShare

    casework_services.note_add(
        actor=case.lead,
        case=case,
        kind="home_visit",
        occurred_at=timezone.now(),
        body="共有されるべき家庭訪問の記録",
    )
    url = reverse("casework:case_detail", args=[case.pk])
    client = login(network_user)
    assert client.get(url).status_code == 404
    share = casework_services.case_share(
        actor=supervisor, case=case, user=network_user, reason="要対協の個別ケース検討会議"
    )
    text = page(client, url)
    assert "共有されるべき家庭訪問の記録" in text
    shared = Case.objects.visible_to(network_user).with_allowed(network_user).get(pk=case.pk)
    assert not shared.may("change")
    assert client.post(reverse("casework:note_add", args=[case.pk]), {}).status_code == 403
    casework_services.case_unshare(actor=supervisor, share=CaseShare.objects.get(pk=share.pk))
    assert client.get(url).status_code == 404


def test_a_linked_case_is_named_but_not_opened_for_the_centres_worker(network_user, case, login):
    from network import services

    entry = child_entry(network_user)
    Entry.objects.filter(pk=entry.pk).update(child=case.child)  # the same child, linked to a case
    entry = services.entry_update(
        actor=network_user,
        entry=entry,
        lead_agency=entry.lead_agency,
        agencies=[],
        reason=entry.reason,
        next_review_on=entry.next_review_on,
        worker=network_user,
        case=case,
    )
    text = page(login(network_user), reverse("network:entry_detail", args=[entry.pk]))
    assert case.number in text
    assert reverse("casework:case_detail", args=[case.pk]) not in text
    # the child's identity page is theirs to open (the child of their entry), not the case
    child_page = page(login(network_user), reverse("casework:child_detail", args=[case.child_id]))
    assert case.number not in child_page


def test_a_supervisor_of_the_centre_team_reads_its_register_others_do_not(
    network_user, network_supervisor, supervisor, caseworker, auditor, login
):
    entry = child_entry(network_user)
    url = reverse("network:entry_detail", args=[entry.pk])
    assert login(network_supervisor).get(url).status_code == 200
    for outsider in (supervisor, caseworker, auditor):
        assert login(outsider).get(url).status_code == 404
    assert entry.number not in page(login(supervisor), reverse("network:register"))
    assert login(caseworker).get(reverse("network:register")).status_code == 403


def test_the_review_deadline_is_on_the_workers_ledger_with_a_link_to_the_entry(network_user, login):
    entry = child_entry(network_user)
    text = page(login(network_user), reverse("casework:reminders"))
    assert "要対協の進行管理" in text
    assert reverse("network:entry_detail", args=[entry.pk]) in text
    assert entry.child.full_name not in text


# --- forms --------------------------------------------------------------------------------------


def entry_post(agency_pk: int, team_pk: int, worker_pk: int, **over) -> dict:
    today = timezone.localdate().isoformat()
    data = {
        "kind": "protection",
        "team": team_pk,
        "registered_on": today,
        "family_name": "池田",
        "given_name": "湊",
        "family_name_kana": "いけだ",
        "given_name_kana": "みなと",
        "birth_date": "2014-01-14",
        "sex": "M",
        "town": "高輪",
        "lead_agency": agency_pk,
        "reason": "面前DVの通告",
        "worker": worker_pk,
        "next_review_on": today,
    }
    data.update(over)
    return data


def test_registering_a_child_through_the_page_puts_it_on_the_next_agenda(
    network_user, team_network, login
):
    school = agency("港区立高輪中学校")
    client = login(network_user)
    assert "登録区分" in page(client, reverse("network:entry_new"))
    response = client.post(
        reverse("network:entry_new"), entry_post(school.pk, team_network.pk, network_user.pk)
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert entry.child.full_name == "池田 湊" and entry.lead_agency == school
    response = client.post(
        reverse("network:session_new"),
        {"team": team_network.pk, "held_on": timezone.localdate().isoformat(), "title": "定例"},
    )
    assert response.status_code == 302
    session_text = page(client, response["Location"])
    assert entry.number in session_text and "進行管理を記録する" in session_text


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"family_name": ""}, "family_name", "児童の氏を入力してください。"),
        ({"birth_date": "2100-13-01"}, "birth_date", "日付を入力してください"),
        ({"birth_date": "9999-01-01"}, "birth_date", "生年月日に未来の日付は入力できません。"),
        ({"registered_on": "1800-01-01"}, "registered_on", "明治6年"),
        ({"next_review_on": "2000-01-01"}, "next_review_on", "登録日以降"),
        ({"kind": "pregnant", "mother_name": ""}, "mother_name", "妊婦の氏名を入力してください。"),
        ({"family_name_kana": "ikeda"}, "family_name_kana", "ひらがな又はカタカナ"),
        ({"case_number": "R7-999999"}, "case_number", "この児童のケースではありません。"),
    ],
)
def test_bad_input_on_the_registration_is_refused_in_japanese_and_saves_nothing(
    network_user, team_network, login, over, field, message
):
    school = agency()
    response = login(network_user).post(
        reverse("network:entry_new"),
        entry_post(school.pk, team_network.pk, network_user.pk, **over),
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Entry.objects.exists() and not Child.objects.exists()


def test_recording_a_review_on_the_session_page_sets_the_next_date(network_user, login):
    today = timezone.localdate()
    entry = child_entry(network_user)
    session = session_on(network_user, today)
    item = session.items.get()
    client = login(network_user)
    url = reverse("network:review_add", args=[item.pk])
    bad = client.post(url, {f"review-{item.pk}-situation": "状況", f"review-{item.pk}-policy": ""})
    assert bad.status_code == 400 and "援助方針を入力してください。" in bad.content.decode()
    extreme = {
        f"review-{item.pk}-situation": "状況",
        f"review-{item.pk}-policy": "方針",
        f"review-{item.pk}-lead_agency": entry.lead_agency_id,
        f"review-{item.pk}-next_review_on": "2101-01-01",
    }
    assert client.post(url, extreme).status_code == 400
    assert not Review.objects.exists()
    good = dict(extreme, **{f"review-{item.pk}-next_review_on": "2027-03-31"})
    assert client.post(url, good).status_code == 302
    entry.refresh_from_db()
    assert entry.next_review_on.isoformat() == "2027-03-31"


def test_ending_on_the_page_needs_the_handover_for_a_move(network_user, login):
    entry = child_entry(network_user)
    client = login(network_user)
    url = reverse("network:entry_end", args=[entry.pk])
    data = {"end_kind": "moved", "ended_on": timezone.localdate().isoformat(), "reason": "転居"}
    response = client.post(url, data | {"moved_to": "川崎市"})
    assert (
        response.status_code == 400
        and "引継ぎの内容を入力してください。" in response.content.decode()
    )
    assert (
        client.post(url, data | {"moved_to": "川崎市", "handover": "文書で引継ぎ"}).status_code
        == 302
    )
    entry.refresh_from_db()
    assert entry.state == "ended" and entry.handover == "文書で引継ぎ"


# --- the handout -------------------------------------------------------------------------------


def test_the_handout_shows_the_minimum_and_records_each_disclosure(network_user, login):
    today = timezone.localdate()
    school, police = agency("白金小学校"), agency("高輪警察署", "police")
    involved = child_entry(
        network_user,
        lead=school,
        family="森",
        kana="もり",
        registered_on=today - timedelta(days=5),
    )
    other = child_entry(network_user, family="原", kana="はら")
    earlier = session_on(network_user, today - timedelta(days=1))
    review(network_user, earlier, involved, policy="学校で見守りを継続", next_review_on=today)
    session = session_on(network_user, today, title="12月の実務者会議")
    client = login(network_user)
    response = client.post(reverse("network:handout", args=[session.pk]), {"agency": school.pk})
    assert response.status_code == 302
    text = page(client, response["Location"])
    assert text.count("複製禁止") >= 2 and "12月の実務者会議" in text and "白金小学校" in text
    css = (settings.BASE_DIR / "static" / "css" / "network.css").read_text(encoding="utf-8")
    assert "@media print" in css and "position: fixed" in css  # on every printed page
    assert involved.number in text and other.number in text
    assert "学校で見守りを継続" in text  # the lead agency sees its entry's 援助方針
    for secret in (involved.child.full_name, other.child.full_name, involved.reason):
        assert secret not in text
    assert "も・" in text  # kana initials instead of a name
    rows = Disclosure.objects.filter(session=session, agency=school)
    assert set(rows.values_list("entry_id", flat=True)) == {involved.pk, other.pk}
    assert set(rows.values_list("basis", flat=True)) == {"art25_2"}
    # another agency, not involved: no 援助方針
    response = client.post(reverse("network:handout", args=[session.pk]), {"agency": police.pk})
    text = page(client, response["Location"])
    assert "学校で見守りを継続" not in text
    assert Disclosure.objects.filter(agency=police).count() == 2
    page(client, response["Location"])  # looking at it again records nothing more
    assert Disclosure.objects.filter(agency=police).count() == 2
    detail = page(client, reverse("network:entry_detail", args=[involved.pk]))
    assert "高輪警察署" in detail and "25条の2" in detail


def test_a_handout_without_a_recipient_is_refused_and_records_nothing(network_user, login):
    child_entry(network_user)
    session = session_on(network_user, timezone.localdate())
    response = login(network_user).post(reverse("network:handout", args=[session.pk]), {})
    assert (
        response.status_code == 400
        and "配付先の機関を選んでください。" in response.content.decode()
    )
    assert not Disclosure.objects.exists()


def test_a_printed_handout_is_404_outside_the_team(network_user, other_network_user, login):
    child_entry(network_user)
    school = agency()
    session = session_on(network_user, timezone.localdate())
    response = login(network_user).post(
        reverse("network:handout", args=[session.pk]), {"agency": school.pk}
    )
    assert login(other_network_user).get(response["Location"]).status_code == 404
    assert login(network_user).get(response["Location"]).status_code == 200


def test_auditors_read_the_registers_history_masked_and_never_its_pages(
    network_user, auditor, login
):
    from casework.audit.chain import seal

    entry = child_entry(network_user)
    session = session_on(network_user, timezone.localdate())
    review(network_user, session, entry, situation="家庭内の様子は落ち着いている")
    seal()
    client = login(auditor)
    assert client.get(reverse("network:entry_detail", args=[entry.pk])).status_code == 404
    assert client.get(reverse("network:register")).status_code == 403
    for label in ("network.Entry", "network.Review", "network.Disclosure", "network.Agency"):
        response = client.get(reverse("audit:changes"), {"record_type": label})
        assert response.status_code == 200, label
    text = page(client, reverse("audit:changes") + "?record_type=network.Review")
    assert "進行管理の記録" in text
    assert "家庭内の様子は落ち着いている" not in text and entry.reason not in text


def test_an_old_imported_birth_date_still_shows_on_the_registers_pages(network_user, login):
    from datetime import date

    entry = child_entry(network_user)
    Child.objects.filter(pk=entry.child_id).update(birth_date=date(1900, 1, 1))
    session = session_on(network_user, timezone.localdate())
    client = login(network_user)
    for url in (
        reverse("network:register"),
        reverse("network:entry_detail", args=[entry.pk]),
        reverse("network:session_detail", args=[session.pk]),
    ):
        page(client, url)


def test_the_administrator_keeps_the_member_agencies_table(admin_user, network_user, login):
    client = login(admin_user)
    assert client.get(reverse("admin:network_agency_changelist")).status_code == 200
    response = client.post(
        reverse("admin:network_agency_add"),
        {"name": "港区立芝浦小学校", "kind": "school", "active": "on"},
    )
    assert response.status_code == 302
    school = Agency.objects.get(name="港区立芝浦小学校")
    assert school.history.count() == 1
    assert login(network_user).get(reverse("admin:network_agency_changelist")).status_code == 302
    form = page(login(network_user), reverse("network:entry_new"))
    assert "港区立芝浦小学校" in form
    Agency.objects.filter(pk=school.pk).update(active=False)  # retired: no longer offered
    assert "港区立芝浦小学校" not in page(login(network_user), reverse("network:entry_new"))


def test_the_register_lists_open_entries_by_default_on_every_page_and_filters(network_user, login):
    today = timezone.localdate()
    ended = child_entry(network_user, family="原", kana="はら")
    from network import services

    services.entry_end(
        actor=network_user, entry=ended, end_kind="closed", ended_on=today, reason="改善"
    )
    later = child_entry(network_user, next_review_on=today + timedelta(days=30))
    due = child_entry(network_user, kind="protection")
    client = login(network_user)
    for url in (reverse("network:register"), reverse("network:register") + "?page=1"):
        text = page(client, url)
        assert due.number in text and later.number in text and ended.number not in text
    text = page(client, reverse("network:register") + "?state=&due=on")
    assert due.number in text and later.number not in text and ended.number not in text
    text = page(client, reverse("network:register") + "?state=ended")
    assert ended.number in text and due.number not in text
    text = page(client, reverse("network:register") + "?kind=protection")
    assert due.number in text and later.number not in text
    assert client.get(reverse("network:register") + "?kind=x&state=y&page=z").status_code == 200
