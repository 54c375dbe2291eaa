"""Who holds which power (issue 9): roles, passwords, activation and object permissions leave a
record, with the acting user, shown on /audit/ in Japanese and sealed into the chain."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import RequestFactory
from guardian.shortcuts import assign_perm, remove_perm
from simple_history.models import HistoricalRecords

from casework.audit.chain import seal, verify
from casework.models import AuditLink, PowerChange
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acting_as():
    """Run as if inside a request by `user` (simple-history's middleware sets this)."""

    def _acting(user):
        request = RequestFactory().get("/admin/")
        request.user = user
        HistoricalRecords.context.request = request

    yield _acting
    if hasattr(HistoricalRecords.context, "request"):
        del HistoricalRecords.context.request


def summaries(user) -> list[str]:
    return [c.summary for c in PowerChange.objects.filter(user=user).order_by("id")]


def test_giving_and_taking_a_role_is_recorded_with_who_did_it(admin_user, acting_as):
    target = UserFactory(username="promoted")
    acting_as(admin_user)
    target.groups.add(Group.objects.get(name="auditor"))
    Group.objects.get(name="auditor").user_set.remove(target)
    changes = list(PowerChange.objects.filter(user=target).order_by("id"))
    assert [c.summary for c in changes] == ["監査担当を付与", "監査担当を解除"]
    assert {c.actor for c in changes} == {admin_user}


def test_clearing_every_role_records_each_one(admin_user):
    target = UserFactory(username="cleared", roles=["supervisor", "caseworker"])
    target.groups.clear()
    assert sorted(summaries(target)[-2:]) == ["スーパーバイザーを解除", "担当福祉司・心理司を解除"]


def test_a_password_change_is_recorded_as_a_fact_never_with_the_hash(caseworker):
    caseworker.set_password("a-new-password-2026")
    caseworker.save()
    change = PowerChange.objects.get(user=caseworker, kind="password_changed")
    assert change.summary == "パスワードを変更"
    row = PowerChange.history.get(id=change.pk)
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert caseworker.password not in stored and "a-new-password" not in stored


def test_switching_an_account_off_and_admin_flags_are_recorded(caseworker):
    caseworker.is_active = False
    caseworker.save()
    caseworker.is_staff = True
    caseworker.is_superuser = True
    caseworker.save()
    caseworker.save(update_fields=["last_login"])  # nothing changed: nothing recorded
    assert summaries(caseworker)[-3:] == [
        "アカウントを無効化",
        "管理画面の利用を許可",
        "全権限（スーパーユーザー）を付与",
    ]


def test_object_permission_grants_and_revocations_are_recorded(case, other_worker):
    assign_perm("casework.view_case", other_worker, case)
    remove_perm("casework.view_case", other_worker, case)
    changes = PowerChange.objects.filter(user=other_worker, permission="view_case").order_by("id")
    assert [(c.kind, c.permission, c.record_type, c.record_id) for c in changes] == [
        ("perm_granted", "view_case", "casework.Case", str(case.pk)),
        ("perm_revoked", "view_case", "casework.Case", str(case.pk)),
    ]


def test_assigning_a_case_grants_its_lead_permissions_on_record(case, caseworker):
    granted = PowerChange.objects.filter(user=caseworker, kind="perm_granted")
    assert granted.filter(record_type="casework.Case", record_id=str(case.pk)).exists()


def test_power_changes_appear_on_the_audit_desk_in_japanese(auditor, admin_user, login, acting_as):
    target = UserFactory(username="watched", display_name="監視 対象")
    acting_as(admin_user)
    target.groups.add(Group.objects.get(name="auditor"))
    del HistoricalRecords.context.request
    page = login(auditor).get("/audit/?record_type=casework.PowerChange").content.decode()
    assert "権限の変更" in page
    assert "監査担当を付与" in page
    assert "監視 対象" in page  # whose power changed
    assert "加藤 管理" in page  # who changed it


def test_power_changes_are_sealed_into_the_chain(caseworker):
    caseworker.groups.add(Group.objects.get(name="auditor"))
    seal()
    change = PowerChange.objects.get(user=caseworker, kind="role_granted", role="auditor")
    row = PowerChange.history.get(id=change.pk)
    assert AuditLink.objects.filter(
        history_label="casework.HistoricalPowerChange", history_id=row.pk
    ).exists()
    assert verify().ok
