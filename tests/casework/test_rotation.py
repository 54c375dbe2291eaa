"""rotate_field_keys (PRODUCT §5): every value under the newest key, resumable, chain intact."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pgtrigger
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from casework.audit.chain import verify
from casework.audit.rows import encrypted_models
from casework.crypto import DecryptionError, KeyRing, key_ring
from casework.fields import bound_aad
from casework.management.commands import rotate_field_keys
from casework.models import CaseNote, Child, HouseholdMember, SchoolLiaison
from casework.services import save_with_history
from tests.conftest import as_owner
from tests.factories import ChildFactory, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _owner(db):
    """Key rotation is an operator's command: it runs as the database owner."""
    with as_owner():
        yield


K3 = "k3:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY="
K2 = "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
K1 = "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
ROTATED = [K3, K2, K1]

VALUES = ["山田", "", "𠮷野家 🍣", "O'Brien; DROP TABLE x", "改行\nタブ\t", "ｶﾀｶﾅ" * 8]


def all_stored_values() -> list[tuple[str, int, str, str | None]]:
    """(model label, pk, column, stored text) for every encrypted column of every row."""
    found = []
    with connection.cursor() as cursor:
        for model, fields in encrypted_models():
            columns = ", ".join(f.column for f in fields)
            pk = model._meta.pk.column
            cursor.execute(f"SELECT {pk}, {columns} FROM {model._meta.db_table}")  # noqa: S608
            for pk_value, *values in cursor.fetchall():
                found += [
                    (model._meta.label, pk_value, f.column, v)
                    for f, v in zip(fields, values, strict=True)
                ]
    return found


def stored_value(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def plaintexts() -> dict:
    """Every decrypted value of every encrypted model (ORM read, current key ring)."""
    from casework.audit.rows import read_values

    result = {}
    for model, fields in encrypted_models():
        pk = model._meta.pk.attname
        for row in read_values(model._base_manager.all(), [pk, *(f.attname for f in fields)]):
            result[model._meta.label, row.pop(pk)] = row
    return result


@pytest.fixture
def records(supervisor, team_a, caseworker):
    """Children, household, a case with notes and liaison, some under the older key k1."""
    with override_settings(MIMAMORI_FIELD_KEYS=[K1]):
        old_child = ChildFactory(family_name="古川", allergies="")
    children = [old_child]
    for value in VALUES:
        child = ChildFactory(family_name=value or "空", given_name=value or "名", allergies=value)
        child.school = f"{value}小学校"
        save_with_history(child, actor=supervisor, reason="学校の変更")
        children.append(child)
        HouseholdMember.objects.create(
            child=child, name=f"{value}保護者", phone=value, relationship="mother"
        )
    case = open_case(actor=supervisor, child=children[1], team=team_a, lead=caseworker)
    CaseNote.objects.create(
        case=case, kind="phone", occurred_at=timezone.now(), author=caseworker, body="電話 🍵"
    )
    SchoolLiaison.objects.create(
        case=case,
        school="港区立芝小",
        contacted_on=date(2026, 5, 1),
        agreed="見守り",
        author=caseworker,
    )
    return children


def test_rotation_puts_every_value_under_the_newest_key_and_keeps_plaintexts(records, capsys):
    before = plaintexts()
    history_rows = Child.history.count()
    assert any(v and v.startswith("mm2$k1$") for *_, v in all_stored_values())

    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        call_command("rotate_field_keys", batch_size=3)
        values = all_stored_values()
        assert values
        assert all(v is None or v.startswith("mm2$k3$") for *_, v in values)
        assert plaintexts() == before
        assert verify().ok

    assert Child.history.count() == history_rows  # rewritten in place, no new history rows
    out = capsys.readouterr().out
    assert "casework.HistoricalChild" in out
    assert "合計:" in out


def test_after_rotation_the_old_keys_alone_can_no_longer_read(records):
    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        call_command("rotate_field_keys")
    with override_settings(MIMAMORI_FIELD_KEYS=[K2, K1]), pytest.raises(DecryptionError):
        list(Child.objects.all())
    with override_settings(MIMAMORI_FIELD_KEYS=[K3]):  # the new key alone is now enough
        assert Child.objects.get(pk=records[0].pk).family_name == "古川"
        assert Child.history.filter(id=records[0].pk).latest().family_name == "古川"


def test_verify_audit_stays_clean_after_rotation(records, capsys):
    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        call_command("rotate_field_keys")
        call_command("verify_audit")
    assert "改ざんは見つかりませんでした" in capsys.readouterr().out


def test_a_second_run_has_nothing_left_to_do(records, capsys):
    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        call_command("rotate_field_keys")
        capsys.readouterr()
        call_command("rotate_field_keys")
    assert "合計: 0 行・0 値" in capsys.readouterr().out


def test_an_interrupted_run_resumes_where_it_stopped(records, capsys):
    real = rotate_field_keys.rotate_batch
    calls = {"n": 0}

    def crash_after_first_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("停電")
        return real(*args, **kwargs)

    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        with (
            mock.patch.object(rotate_field_keys, "rotate_batch", crash_after_first_batch),
            pytest.raises(RuntimeError),
        ):
            call_command("rotate_field_keys", batch_size=1)
        under_new = [v for *_, v in all_stored_values() if v and v.startswith("mm2$k3$")]
        assert under_new  # the first batch was committed
        assert len([v for *_, v in all_stored_values() if v and not v.startswith("mm2$k3$")])

        call_command("rotate_field_keys", batch_size=1)
        assert all(v is None or v.startswith("mm2$k3$") for *_, v in all_stored_values())
        assert verify().ok


def test_each_batch_is_its_own_transaction(records):
    atomic = mock.Mock(wraps=rotate_field_keys.transaction.atomic)
    batches = mock.Mock(wraps=rotate_field_keys.rotate_batch)
    with (
        override_settings(MIMAMORI_FIELD_KEYS=ROTATED),
        mock.patch.object(rotate_field_keys.transaction, "atomic", atomic),
        mock.patch.object(rotate_field_keys, "rotate_batch", batches),
    ):
        call_command("rotate_field_keys", batch_size=2)
    assert batches.call_count > len(encrypted_models())  # several batches per model
    assert atomic.call_count == batches.call_count


def test_a_value_that_cannot_be_decrypted_is_named_and_the_rest_is_rotated(records, capsys):
    child = records[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_child SET school = %s WHERE id = %s", ["mm2$k2$AAAA", child.pk]
        )
    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        with pytest.raises(CommandError, match="1 行を復号できませんでした"):
            call_command("rotate_field_keys")
        err = capsys.readouterr().err
        assert f"casework.Child pk={child.pk}" in err
        others = [
            v
            for label, pk, _column, v in all_stored_values()
            if v and not (label == "casework.Child" and pk == child.pk)
        ]
        assert all(v.startswith("mm2$k3$") for v in others)


def test_rotation_uses_each_fields_own_associated_data(records):
    with override_settings(MIMAMORI_FIELD_KEYS=ROTATED):
        call_command("rotate_field_keys")
    ring = KeyRing((("k3", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ123456"),))
    row = Child.history.order_by("history_id").values("history_id", "row_key", "history_date")[0]
    token = next(
        v
        for label, pk, col, v in all_stored_values()
        if label == "casework.HistoricalChild" and col == "family_name" and pk == row["history_id"]
    )
    aad = bound_aad("casework.Child.family_name", row["row_key"], row["history_date"])
    assert ring.decrypt(token, aad)
    with pytest.raises(DecryptionError):
        ring.decrypt(token, aad.replace("family_name", "given_name"))


def test_rotation_binds_values_of_the_old_unbound_format_to_their_row(records):
    """Values written before issue 9 (mm1$…, bound to the field only) are moved to mm2$."""
    child = records[1]
    legacy = key_ring().encrypt("旧形式の名", "casework.Child.family_name", prefix="mm1")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_child SET family_name = %s WHERE id = %s", [legacy, child.pk]
        )
    with pytest.raises(DecryptionError):
        Child.objects.get(pk=child.pk)
    call_command("rotate_field_keys")  # same newest key: only the format changes
    assert stored_value("casework_child", "family_name", child.pk).startswith("mm2$k2$")
    assert Child.objects.get(pk=child.pk).family_name == "旧形式の名"


def test_batch_size_must_be_positive():
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", batch_size=0)


def test_key_ids_differing_only_in_case_are_different_keys():
    """SQLite's LIKE ignores case; the selection must not, or 'KX' values would be skipped."""
    lower = "kx:MTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTE="
    upper = "KX:MjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjI="
    with override_settings(MIMAMORI_FIELD_KEYS=[lower]):
        child = ChildFactory(family_name="大小")
    with override_settings(MIMAMORI_FIELD_KEYS=[upper, lower]):
        call_command("rotate_field_keys")
        assert all(v is None or v.startswith("mm2$KX$") for *_, v in all_stored_values())
    with override_settings(MIMAMORI_FIELD_KEYS=[upper]):
        assert Child.objects.get(pk=child.pk).family_name == "大小"


def test_before_rotation_unbound_values_are_unverifiable_not_tampering(records, capsys):
    """The same values in the format before issue 9: verify_audit cannot check them yet (not
    tampering); after rotate_field_keys binds them, the chain verifies again."""
    from casework.audit.chain import seal

    seal()
    child = records[1]
    row = Child.history.filter(id=child.pk).order_by("history_id").first()
    old = key_ring().encrypt(row.family_name, "casework.Child.family_name", prefix="mm1")
    with (
        connection.cursor() as cursor,
        pgtrigger.ignore("casework.HistoricalChild:history_append_only"),
    ):
        cursor.execute(
            "UPDATE casework_historicalchild SET family_name = %s WHERE history_id = %s",
            [old, row.history_id],
        )
    assert {p.kind for p in verify().problems} == {"no_key"}
    call_command("rotate_field_keys")
    assert verify().ok
