"""The duplicate check and linking leak nothing (issue 8).

Before: the check listed exact matches among *all* children with kanji name and district, could
be repeated without saving (so birth dates could be swept), and linking a consultation to such
a child brought the child's address, school and allergies into the linking user's scope.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from casework.choices import AccessAction
from casework.models import AccessLog
from intake.models import Consultation
from intake.selectors import PROBE_LIMIT
from tests.factories import ChildFactory, open_case

pytestmark = pytest.mark.django_db
BIRTH = date(2019, 8, 3)


@pytest.fixture
def registered_elsewhere(other_supervisor, other_worker, team_b):
    """A child team B works with: same kana name and birth date as the one being entered."""
    child = ChildFactory(
        family_name="森",
        given_name="陽葵",
        family_name_kana="もり",
        given_name_kana="ひまり",
        birth_date=BIRTH,
        town="赤坂",
        address="9-9-9 秘密マンション",
        school="港区立赤坂小学校",
        allergies="そばアレルギー",
    )
    open_case(actor=other_supervisor, child=child, team=team_b, lead=other_worker)
    return child


def test_an_out_of_scope_match_shows_the_fact_and_the_district_only(
    registered_elsewhere, form_data, intake_user, login
):
    response = login(intake_user).post(reverse("intake:new"), form_data())
    body = response.content.decode()
    assert response.status_code == 200
    assert "すでに登録されています" in body and "赤坂" in body
    for secret in ("森 陽葵", "秘密マンション", "港区立赤坂小学校", "そば", "R8-"):
        assert secret not in body
    match = AccessLog.objects.get(action=AccessAction.MATCH)
    assert (match.user, match.record_id) == (intake_user, str(registered_elsewhere.pk))


def test_repeated_checks_without_a_save_are_refused_and_logged(form_data, intake_user, login):
    for day in range(1, PROBE_LIMIT + 2):  # each probed birth date matches a registered child
        ChildFactory(
            family_name_kana="もり", given_name_kana="ひまり", birth_date=date(2019, 8, day)
        )
    client = login(intake_user)
    for day in range(1, PROBE_LIMIT + 1):
        data = form_data(**{"child-birth_date": f"2019-08-{day:02d}"})
        assert client.post(reverse("intake:new"), data).status_code == 200  # checked, not saved
    data = form_data(**{"child-birth_date": f"2019-08-{PROBE_LIMIT + 1:02d}"})
    refused = client.post(reverse("intake:new"), data)
    assert refused.status_code == 429
    assert "確認を停止しました" in refused.content.decode()
    assert AccessLog.objects.filter(user=intake_user, action=AccessAction.REFUSED).count() == 1


def test_linking_grants_the_identity_only(
    registered_elsewhere, form_data, intake_user, supervisor, login
):
    client = login(intake_user)
    done = client.post(reverse("intake:new"), form_data(child=f"link:{registered_elsewhere.pk}"))
    assert done.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.child == registered_elsewhere and not consultation.registered_child
    for user in (intake_user, supervisor):
        detail = login(user).get(reverse("intake:detail", args=[consultation.pk]))
        child_page = login(user).get(reverse("casework:child_detail", args=[consultation.child_id]))
        for page in (detail, child_page):
            body = page.content.decode()
            assert "森 陽葵" in body  # the identity the consultation needs
            for secret in ("秘密マンション", "港区立赤坂小学校", "そば", "R8-"):
                assert secret not in body, (user, secret)


def test_accepting_the_consultation_opens_the_child_to_the_new_case_not_the_old_ones(
    registered_elsewhere, form_data, intake_user, supervisor, caseworker, team_a, login
):
    from intake.services import consultation_accept

    login(intake_user).post(
        reverse("intake:new"), form_data(child=f"link:{registered_elsewhere.pk}")
    )
    case = consultation_accept(
        actor=supervisor, consultation=Consultation.objects.get(), team=team_a, lead=caseworker
    )
    page = login(caseworker).get(reverse("casework:child_detail", args=[case.child_id]))
    body = page.content.decode()
    assert "秘密マンション" in body  # the case needs the child's whole identity
    assert case.number in body
    old = registered_elsewhere.cases.exclude(pk=case.pk).get()
    assert old.number not in body  # team B's case stays closed to team A
    assert login(caseworker).get(reverse("casework:case_detail", args=[old.pk])).status_code == 404


def test_a_supervisor_of_the_owning_team_shares_an_old_case_read_only_and_it_is_logged(
    registered_elsewhere, caseworker, other_supervisor, login
):
    from casework.models import CaseShare

    old = registered_elsewhere.cases.get()
    client = login(other_supervisor)
    response = client.post(
        reverse("casework:share_add", args=[old.pk]),
        {"user": caseworker.pk, "reason": "新しいケースの担当者への引継ぎ"},
    )
    assert response.status_code == 302
    share = CaseShare.objects.get()
    assert share.history.get().history_user == other_supervisor
    reader = login(caseworker)
    assert reader.get(reverse("casework:case_detail", args=[old.pk])).status_code == 200
    note = reader.post(
        reverse("casework:note_add", args=[old.pk]),
        {"kind": "phone", "occurred_at": "2026-11-20T10:00", "body": "記録"},
    )
    assert note.status_code == 403  # read only
    client.post(reverse("casework:share_end", args=[old.pk, share.pk]))
    assert reader.get(reverse("casework:case_detail", args=[old.pk])).status_code == 404
