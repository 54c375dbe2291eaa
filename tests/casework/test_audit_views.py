"""The auditor's desk (PRODUCT §4): change history with masked diffs, the access log, filters."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pgtrigger
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.utils import bulk_create_with_history

from casework.audit.chain import history_models
from casework.models import AccessLog, Child, Team
from casework.services import save_with_history
from tests.conftest import as_owner
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

CHANGES = "/audit/"
ACCESS = "/audit/access/"


def text(response) -> str:
    return response.content.decode()


def rows(response) -> list[str]:
    body = text(response).split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)


def count_queries(client, url) -> int:
    client.get(url)  # warm per-session caches so runs compare like for like
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def make_child(actor, **fields) -> Child:
    child = ChildFactory.build(**fields)
    save_with_history(child, actor=actor, reason="登録")
    return child


# --- who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CHANGES, ACCESS])
def test_auditor_sees_the_desk(url, auditor, login):
    assert login(auditor).get(url).status_code == 200


@pytest.mark.parametrize("url", [CHANGES, ACCESS])
@pytest.mark.parametrize("who", ["caseworker", "supervisor", "intake_user", "admin_user"])
def test_other_roles_are_refused_the_desk(url, who, request, login):
    assert login(request.getfixturevalue(who)).get(url).status_code == 403


@pytest.mark.parametrize("url", [CHANGES, ACCESS])
def test_anonymous_is_sent_to_login(url, client):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [CHANGES, ACCESS, "/accounts/login/?next=/audit/", "/cases/"])
def test_auditor_cannot_post_anywhere(url, auditor, login):
    assert login(auditor).post(url, {"username": "x", "password": "y"}).status_code == 403


# --- the change history --------------------------------------------------------------------


def test_a_change_shows_who_when_what_and_why_with_encrypted_values_masked(
    auditor, supervisor, login
):
    with time_machine.travel(datetime(2026, 5, 11, 1, 30, tzinfo=UTC), tick=False):
        child = make_child(supervisor, family_name="秘匿田", town="芝浦")
    with time_machine.travel(datetime(2026, 5, 12, 1, 30, tzinfo=UTC), tick=False):
        child.family_name = "改名川"
        child.town = "台場"
        save_with_history(child, actor=supervisor, reason="転居の届出")
    response = login(auditor).get(CHANGES, {"record_type": "casework.Child"})
    page = text(response)
    assert "秘匿田" not in page and "改名川" not in page
    first = rows(response)[0]
    assert "令和8年5月12日" in first and "10:30" in first  # Asia/Tokyo
    assert str(supervisor) in first
    assert f'児童 <span class="num">#{child.pk}</span>' in first
    assert "変更" in first
    assert "転居の届出" in first
    assert "氏：" in first and 'class="masked"' in first and "●●●" in first
    assert "町名：芝浦 → 台場" in first
    assert "学校" not in first  # unchanged fields are not listed


def test_creation_and_deletion_are_named(auditor, login):
    team = Team.objects.create(name="消える係")
    team.delete()
    entries = rows(login(auditor).get(CHANGES, {"record_type": "casework.Team"}))
    assert "削除" in entries[0] and "記録が削除されました" in entries[0]
    assert "作成" in entries[1] and "係名：— → 消える係" in entries[1]


def test_user_foreign_keys_show_the_users_names(auditor, case, caseworker, coworker, login):
    case.lead = coworker
    save_with_history(case, actor=caseworker, reason="主担当の交代")
    entries = rows(login(auditor).get(CHANGES, {"record_type": "casework.Case"}))
    assert f"主担当：{caseworker} → {coworker}" in entries[0]
    assert f"主担当：— → {caseworker}" in entries[-1]


def test_filters_by_user_record_type_and_period(auditor, supervisor, caseworker, login):
    with time_machine.travel(datetime(2026, 4, 1, 3, 0, tzinfo=UTC), tick=False):
        save_with_history(Team(name="四月係"), actor=supervisor, reason="新設")
    with time_machine.travel(datetime(2026, 6, 1, 3, 0, tzinfo=UTC), tick=False):
        save_with_history(Team(name="六月係"), actor=caseworker, reason="新設")
        make_child(caseworker)
    client = login(auditor)

    by_user = text(client.get(CHANGES, {"user": supervisor.pk}))
    assert "四月係" in by_user and "六月係" not in by_user

    by_type = rows(client.get(CHANGES, {"record_type": "casework.Child"}))
    assert by_type and all("児童" in row for row in by_type)

    period = {"date_from": "2026-05-01", "date_to": "2026-06-01"}
    in_period = text(client.get(CHANGES, period))
    assert "六月係" in in_period and "四月係" not in in_period
    last_day_only = text(client.get(CHANGES, {"date_from": "2026-04-01", "date_to": "2026-04-01"}))
    assert "四月係" in last_day_only


def test_bad_filter_input_gets_a_japanese_message_not_a_500(auditor, login):
    client = login(auditor)
    response = client.get(CHANGES, {"date_from": "2026-13-40", "user": "abc"})
    assert response.status_code == 200
    assert "日付を入力してください" in text(response)
    assert "一覧から職員を選んでください" in text(response)
    backwards = client.get(CHANGES, {"date_from": "2026-06-01", "date_to": "2026-05-01"})
    assert "終了日は開始日と同じか" in text(backwards)
    assert client.get(CHANGES, {"record_type": "auth.Permission"}).status_code == 200
    assert client.get(CHANGES, {"page": "999"}).status_code == 200


def test_history_is_paginated_fifty_a_page(auditor, login):
    bulk_create_with_history([Team(name=f"頁{i}係") for i in range(120)], Team)
    client = login(auditor)
    first = client.get(CHANGES)
    assert len(rows(first)) == 50
    assert 'rel="next"' in text(first)
    names = set(re.findall(r"頁\d+係", text(first)))
    second = set(re.findall(r"頁\d+係", text(client.get(CHANGES, {"page": 2}))))
    assert names.isdisjoint(second)


def test_an_undecryptable_history_value_is_flagged_not_a_500(auditor, login):
    child = ChildFactory()
    child.school = "別の学校"
    child.save()
    row = Child.history.filter(id=child.pk).latest()
    uris = [f"{m._meta.label}:history_append_only" for m in history_models()]
    with as_owner(), pgtrigger.ignore(*uris), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_historicalchild SET school = %s WHERE history_id = %s",
            ["mm2$k2$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY3ODkwYWJjZA==", row.pk],
        )
    response = login(auditor).get(CHANGES, {"record_type": "casework.Child"})
    assert response.status_code == 200
    assert "復号できません" in rows(response)[0]


def test_history_page_runs_the_same_queries_for_10_and_10000_rows(
    auditor, supervisor, login, django_assert_max_num_queries
):
    client = login(auditor)
    old = datetime(2024, 4, 1, tzinfo=UTC)
    for i in range(10 - _history_rows()):
        save_with_history(Team(name=f"少数{i}係"), actor=supervisor, reason="新設")
    assert _history_rows() == 10
    small = count_queries(client, CHANGES)
    # Older rows, so page 1 shows the same kinds of record (the cost is per kind on the page).
    bulk_create_with_history(
        [Team(name=f"多数{i}係") for i in range(9990)],
        Team,
        batch_size=2000,
        default_date=old,
        default_user=supervisor,
    )
    assert _history_rows() == 10000
    large = count_queries(client, CHANGES)
    filtered = count_queries(client, f"{CHANGES}?date_from=2024-01-01&record_type=casework.Team")
    print(f"/audit/ queries: {small} with 10 history rows, {large} with 10,000")
    assert small == large
    assert filtered <= large
    with django_assert_max_num_queries(small):
        client.get(CHANGES)


def _history_rows() -> int:
    return sum(m.objects.count() for m in history_models())


# --- the access log ------------------------------------------------------------------------


def _log(user, record_type="casework.Child", record_id="1", at=None, n=1):
    fields = {"at": at} if at else {}
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=user,
                record_type=record_type,
                record_id=str(record_id),
                ip_address="192.0.2.10",
                path=f"/children/{record_id}/",
                **fields,
            )
            for _ in range(n)
        ]
    )


def test_access_log_lists_who_read_what_when_and_from_where(auditor, caseworker, login):
    _log(caseworker, record_id=42, at=datetime(2026, 5, 12, 1, 5, tzinfo=UTC))
    first = rows(login(auditor).get(ACCESS))[0]
    assert str(caseworker) in first
    assert "児童" in first and "#42" in first
    assert "令和8年5月12日" in first and "10:05" in first
    assert "192.0.2.10" in first
    assert "閲覧" in first or "view" not in first


def test_access_log_filters_by_user_record_type_and_period(auditor, caseworker, supervisor, login):
    _log(caseworker, "casework.Child", 1, datetime(2026, 5, 1, 3, tzinfo=UTC))
    _log(supervisor, "casework.Case", 2, datetime(2026, 6, 1, 3, tzinfo=UTC))
    client = login(auditor)
    assert len(rows(client.get(ACCESS, {"user": caseworker.pk}))) == 1
    only_cases = rows(client.get(ACCESS, {"record_type": "casework.Case"}))
    assert len(only_cases) == 1 and "#2" in only_cases[0]
    june = rows(client.get(ACCESS, {"date_from": "2026-06-01", "date_to": "2026-06-30"}))
    assert len(june) == 1 and str(supervisor) in june[0]


def test_access_log_runs_the_same_queries_for_10_and_1000_entries(
    auditor, caseworker, supervisor, login
):
    client = login(auditor)
    _log(caseworker, n=5)
    _log(supervisor, "casework.Case", n=5)
    small = count_queries(client, ACCESS)
    _log(caseworker, n=495)
    _log(supervisor, "casework.Case", n=495)
    large = count_queries(client, ACCESS)
    print(f"/audit/access/ queries: {small} with 10 entries, {large} with 1,000")
    assert small == large
    assert len(rows(client.get(ACCESS))) == 50


def test_the_blind_index_is_shown_only_as_a_match_key_never_as_its_hash(auditor, supervisor, login):
    child = make_child(supervisor, family_name="索引田", town="芝浦")
    child.family_name_kana = "さくいんだ"
    save_with_history(child, actor=supervisor, reason="ふりがなの訂正")
    child.refresh_from_db()
    page = text(login(auditor).get(CHANGES, {"record_type": "casework.Child"}))
    assert child.name_index and child.name_index not in page
    assert "氏名かな検索索引：（照合用） → （照合用）" in page
