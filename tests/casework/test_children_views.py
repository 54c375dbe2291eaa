"""The child page: identity, household, cases, who viewed; editing keeps history."""

import pytest
from django.db import connection
from django.urls import reverse

from casework import services
from casework.models import AccessLog, Child, HouseholdMember

pytestmark = pytest.mark.django_db

VALID = {
    "family_name": "山田",
    "given_name": "花子",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "はなこ",
    "birth_date": "2016-04-02",
    "sex": "F",
    "town": "三田4丁目",
    "address": "1-2-3",
    "school": "港区立高輪台小学校",
    "allergies": "",
    "reason": "転居",
}


def test_child_page_shows_identity_household_and_cases(case, caseworker, login):
    HouseholdMember.objects.create(
        child=case.child,
        name="山田 裕子",
        relationship="mother",
        is_guardian=True,
        phone="090-0000-1111",
    )
    body = login(caseworker).get(reverse("casework:child_detail", args=[case.child_id]))
    text = body.content.decode()
    assert case.child.full_name in text and "山田 裕子" in text and case.number in text


def test_supervisor_sees_who_viewed_the_child_and_worker_does_not(
    case, caseworker, supervisor, login
):
    url = reverse("casework:child_detail", args=[case.child_id])
    login(caseworker).get(url)
    as_worker = login(caseworker).get(url).content.decode()
    as_supervisor = login(supervisor).get(url).content.decode()
    assert "閲覧した職員" not in as_worker
    assert "閲覧した職員" in as_supervisor and str(caseworker) in as_supervisor
    assert (
        AccessLog.objects.filter(record_type="casework.Child", record_id=str(case.child_id)).count()
        == 3
    )


def test_worker_edits_the_child_with_a_reason_recorded_in_history(case, caseworker, login):
    response = login(caseworker).post(reverse("casework:child_edit", args=[case.child_id]), VALID)
    assert response.status_code == 302
    child = Child.objects.get(pk=case.child_id)
    assert child.town == "三田4丁目" and child.district == "高輪"
    latest = child.history.latest()
    assert latest.history_user == caseworker
    # The worker's reason is kept encrypted with the change, the plain reason is a fixed phrase.
    assert latest.change_note == "転居" and latest.history_change_reason == "児童情報の修正"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "2016-13-40", "日付を入力してください"),
        ("birth_date", "2999-01-01", "未来の日付"),
        ("given_name_kana", "Hanako", "ひらがな又はカタカナ"),
        ("family_name", "", "氏を入力してください"),
        ("reason", "", "修正の理由を入力してください"),
    ],
)
def test_bad_child_input_changes_nothing(field, value, message, case, caseworker, login):
    before = Child.objects.get(pk=case.child_id).given_name
    response = login(caseworker).post(
        reverse("casework:child_edit", args=[case.child_id]), {**VALID, field: value}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Child.objects.get(pk=case.child_id).given_name == before


def test_other_team_cannot_edit_or_see_the_child(case, other_worker, login):
    client = login(other_worker)
    assert client.get(reverse("casework:child_edit", args=[case.child_id])).status_code == 404
    assert (
        client.post(reverse("casework:child_edit", args=[case.child_id]), VALID).status_code == 404
    )


def test_household_member_is_added_and_ended_not_deleted(case, caseworker, login):
    client = login(caseworker)
    url = reverse("casework:household_add", args=[case.child_id])
    response = client.post(
        url, {"relationship": "father", "name": "山田 誠", "lives_with_child": "on"}
    )
    assert response.status_code == 302
    member = HouseholdMember.objects.get(child=case.child)
    client.post(
        reverse("casework:household_end", args=[case.child_id, member.pk]), {"confirm": "1"}
    )
    member.refresh_from_db()
    assert member.active is False
    assert member.history.count() == 2


def test_household_contact_is_ciphertext_in_the_database(case, caseworker):
    services.household_add(
        actor=caseworker,
        child=case.child,
        data={"relationship": "mother", "name": "山田 裕子", "phone": "090-1234-5678"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, phone FROM casework_householdmember")
        name, phone = cursor.fetchone()
    assert "山田" not in name and "5678" not in phone and phone.startswith("mm2$")
