"""Encryption at rest (PRODUCT §3): round trips, failing closed, ciphertext only in the tables."""

from __future__ import annotations

import base64
import uuid
from datetime import date

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings
from django.test.utils import isolate_apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.crypto import DecryptionError, KeyRing, blind_index_key, key_ring
from casework.fields import Sealed
from casework.models import Child, HouseholdMember
from casework.models.children import child_name_index
from config.keys import parse_field_key
from tests.conftest import as_owner
from tests.factories import ChildFactory

K2 = "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
K1 = "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="

# Any Unicode text except lone surrogates (which cannot be UTF-8 encoded at all).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
db_examples = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def raw(sql: str, *params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def stored(table: str, column: str, pk: int, *, pk_column: str = "id") -> str:
    return raw(f"SELECT {column} FROM {table} WHERE {pk_column} = %s", pk)[0][0]  # noqa: S608


def store(table: str, column: str, pk: int, value: str, *, pk_column: str = "id") -> None:
    """Write a stored value behind the application's back (triggers off on PostgreSQL)."""
    import pgtrigger

    from casework.audit.chain import history_models

    uris = [f"{m._meta.label}:history_append_only" for m in history_models()]
    with as_owner(), pgtrigger.ignore(*uris), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s",  # noqa: S608
            [value, pk],
        )


def flip_byte(token: str, position: int) -> str:
    prefix, kid, body = token.split("$", 2)
    data = bytearray(base64.b64decode(body))
    data[position % len(data)] ^= 0x01
    return f"{prefix}${kid}${base64.b64encode(bytes(data)).decode('ascii')}"


# --- round trips ---------------------------------------------------------------------------


@given(plain=any_text, aad=st.text(max_size=40))
def test_key_ring_round_trips_any_text(plain, aad):
    ring = key_ring()
    token = ring.encrypt(plain, aad)
    assert token.startswith("mm2$k2$")
    assert ring.decrypt(token, aad) == plain


@given(plain=any_text)
def test_every_encryption_uses_a_fresh_nonce(plain):
    ring = key_ring()
    assert ring.encrypt(plain, "a.B.c") != ring.encrypt(plain, "a.B.c")


@pytest.mark.django_db
@db_examples
@given(family=any_text, allergies=any_text)
def test_child_fields_round_trip_through_the_orm_and_history(family, allergies):
    child = ChildFactory(family_name=family, allergies=allergies)
    fresh = Child.objects.get(pk=child.pk)
    assert fresh.family_name == family
    assert fresh.allergies == allergies
    assert child.history.latest().family_name == family


@pytest.mark.django_db
@db_examples
@given(name=any_text, notes=any_text)
def test_household_member_fields_round_trip_through_the_orm(name, notes):
    child = ChildFactory()
    member = HouseholdMember.objects.create(
        child=child, name=name, notes=notes, relationship="mother"
    )
    fresh = HouseholdMember.objects.get(pk=member.pk)
    assert (fresh.name, fresh.notes) == (name, notes)


# --- what is stored ------------------------------------------------------------------------


@pytest.mark.django_db
def test_tables_hold_only_ciphertext_for_the_child_and_its_history():
    child = ChildFactory(family_name="秘密川", given_name="花子")
    for table in ("casework_child", "casework_historicalchild"):
        values = [row[0] for row in raw(f"SELECT family_name FROM {table}")]  # noqa: S608
        assert values
        for value in values:
            assert value.startswith("mm2$k2$")
            assert "秘密川" not in value
    dump = raw("SELECT * FROM casework_child WHERE id = %s", child.pk)[0]
    assert not any(isinstance(v, str) and ("秘密川" in v or "花子" in v) for v in dump)


@pytest.mark.django_db
def test_clear_columns_stay_clear_for_rules_and_statistics():
    child = ChildFactory(town="芝浦", birth_date=date(2016, 4, 2))
    town, birth = raw("SELECT town, birth_date FROM casework_child WHERE id = %s", child.pk)[0]
    assert town == "芝浦"
    assert str(birth).startswith("2016-04-02")


# --- failing closed ------------------------------------------------------------------------


@given(plain=st.text(min_size=1, max_size=50), position=st.integers(min_value=0))
def test_a_flipped_byte_never_decrypts(plain, position):
    ring = key_ring()
    token = ring.encrypt(plain, "casework.Child.family_name")
    with pytest.raises(DecryptionError):
        ring.decrypt(flip_byte(token, position), "casework.Child.family_name")


@pytest.mark.parametrize(
    "token",
    ["", "plain text", "mm2$k2$", "mm2$k2$not-base64!!", "mm2$k2$AAAA", "mm2$k2$AAAA"],
)
def test_malformed_tokens_raise_instead_of_returning_data(token):
    with pytest.raises(DecryptionError):
        key_ring().decrypt(token, "casework.Child.family_name")


@given(body=st.text(max_size=80), kid=st.sampled_from(["k1", "k2", "k9"]))
def test_arbitrary_stored_text_raises_and_never_comes_back_as_data(body, kid):
    with pytest.raises(DecryptionError):
        key_ring().decrypt(f"mm2${kid}${body}", "casework.Child.family_name")


@pytest.mark.django_db
def test_tampered_ciphertext_in_the_table_raises_on_read():
    child = ChildFactory()
    store(
        "casework_child",
        "family_name",
        child.pk,
        flip_byte(stored("casework_child", "family_name", child.pk), 20),
    )
    with pytest.raises(DecryptionError):
        Child.objects.get(pk=child.pk)


@pytest.mark.django_db
def test_reads_without_a_model_instance_give_sealed_ciphertext_never_plaintext():
    """.values() has no row to bind the value to: it gets the ciphertext, marked as such."""
    ChildFactory(family_name="封印川")
    (value,) = Child.objects.values_list("family_name", flat=True)
    assert isinstance(value, Sealed) and value.startswith("mm2$k2$")


@pytest.mark.django_db
def test_changing_the_key_id_of_a_value_raises():
    child = ChildFactory()
    token = stored("casework_child", "family_name", child.pk)
    store("casework_child", "family_name", child.pk, token.replace("mm2$k2$", "mm2$k1$", 1))
    with pytest.raises(DecryptionError, match="復号できません"):
        Child.objects.get(pk=child.pk)


@pytest.mark.django_db
def test_a_value_moved_to_another_column_does_not_decrypt():
    child = ChildFactory()
    token = stored("casework_child", "family_name", child.pk)
    store("casework_child", "given_name", child.pk, token)
    with pytest.raises(DecryptionError):
        Child.objects.get(pk=child.pk)


@pytest.mark.django_db
def test_a_value_moved_to_another_model_does_not_decrypt():
    child = ChildFactory()
    member = HouseholdMember.objects.create(child=child, name="保護者", relationship="mother")
    store(
        "casework_householdmember",
        "name",
        member.pk,
        stored("casework_child", "family_name", child.pk),
    )
    with pytest.raises(DecryptionError):
        HouseholdMember.objects.get(pk=member.pk)


@pytest.mark.django_db
def test_a_missing_key_raises_a_clear_message():
    child = ChildFactory()
    with override_settings(MIMAMORI_FIELD_KEYS=[K1]), pytest.raises(DecryptionError) as caught:
        Child.objects.get(pk=child.pk)
    assert "'k2'" in str(caught.value)
    assert "MIMAMORI_FIELD_KEYS" in str(caught.value)


@pytest.mark.django_db
def test_older_keys_still_decrypt_and_new_values_use_the_newest():
    with override_settings(MIMAMORI_FIELD_KEYS=[K1]):
        old = ChildFactory(family_name="古川")
    assert stored("casework_child", "family_name", old.pk).startswith("mm2$k1$")
    assert Child.objects.get(pk=old.pk).family_name == "古川"
    new = ChildFactory()
    assert stored("casework_child", "family_name", new.pk).startswith("mm2$k2$")


def test_key_ring_parses_the_settings_newest_first():
    ring = KeyRing(tuple(parse_field_key(entry) for entry in [K2, K1]))
    assert ring.current_kid == "k2"
    with pytest.raises(DecryptionError, match="'k9'"):
        ring.key_for("k9")


@pytest.mark.django_db
def test_encrypted_fields_refuse_lookups_that_would_compare_ciphertext():
    ChildFactory(family_name="山田")
    with pytest.raises(FieldError):  # an equality on ciphertext would silently never match
        list(Child.objects.filter(family_name="山田"))
    assert Child.objects.filter(address__isnull=False).count() == 1


# --- blind index ---------------------------------------------------------------------------


def test_blind_index_matches_katakana_with_a_full_width_space_and_hiragana():
    birth = date(2015, 6, 1)
    assert child_name_index("ヤマダ　タロウ", "", birth) == child_name_index(
        "やまだたろう", "", birth
    )
    assert child_name_index("ﾔﾏﾀﾞ ﾀﾛｳ", "", birth) == child_name_index("やまだ", "たろう", birth)


def test_blind_index_differs_for_another_birth_date_or_name():
    index = child_name_index("やまだ", "たろう", date(2015, 6, 1))
    assert index != child_name_index("やまだ", "たろう", date(2015, 6, 2))
    assert index != child_name_index("やまだ", "じろう", date(2015, 6, 1))
    assert len(index) == 64


def test_blind_index_key_is_separate_from_the_field_keys():
    field_keys = {parse_field_key(entry)[1] for entry in [K2, K1]}
    assert blind_index_key() not in field_keys
    birth = date(2015, 6, 1)
    before = child_name_index("やまだ", "たろう", birth)
    with override_settings(MIMAMORI_FIELD_KEYS=[K1]):
        assert child_name_index("やまだ", "たろう", birth) == before  # field keys do not matter
    other = base64.b64encode(b"another-blind-index-key-32-bytes!!").decode()
    with override_settings(MIMAMORI_BLIND_INDEX_KEY=other):
        assert child_name_index("やまだ", "たろう", birth) != before


@pytest.mark.django_db
def test_saving_a_child_stores_the_blind_index_of_its_kana_name():
    child = ChildFactory(
        family_name_kana="ヤマダ", given_name_kana="タロウ", birth_date=date(2015, 6, 1)
    )
    expected = child_name_index("やまだ", "たろう", date(2015, 6, 1))
    assert Child.objects.filter(name_index=expected).get() == child


def _key_texts() -> list[str]:
    """Every way a field key could appear in text: base64, raw bytes' repr, hex."""
    texts = []
    for entry in (K2, K1):
        kid, key = parse_field_key(entry)
        texts += [entry.split(":", 1)[1], repr(key), key.hex()]
    return texts


def test_the_key_ring_never_prints_a_key_in_repr_str_or_logs(caplog):
    import logging

    ring = key_ring()
    logging.getLogger("mimamori.test").error("ring: %s %r", ring, ring)
    shown = repr(ring) + str(ring) + f"{ring}" + caplog.text
    assert "k2" in repr(ring) and "k1" in repr(ring)  # the key ids, for operators
    assert not any(text in shown for text in _key_texts())


def test_the_debug_500_page_does_not_show_a_key():
    """Django's technical 500 page prints every frame's local variables."""
    import sys

    from django.test import RequestFactory
    from django.views.debug import technical_500_response

    def failing_with_the_ring_in_scope():
        ring = key_ring()  # noqa: F841  (a local variable, shown by the debug page)
        raise RuntimeError("boom")

    try:
        failing_with_the_ring_in_scope()
    except RuntimeError:
        response = technical_500_response(RequestFactory().get("/"), *sys.exc_info())
    page = response.content.decode()
    assert (
        "KeyRing(key ids: k2, k1)" in page
        or "KeyRing(key ids: k2, k1)".replace("(", "&#x28;") in page
        or "key ids" in page
    )
    assert not any(text in page for text in _key_texts())


# --- bound to the row (issue 9) -------------------------------------------------------------


@pytest.mark.django_db
def test_two_childrens_names_swapped_in_the_table_fail_to_decrypt_loudly():
    first = ChildFactory(family_name="入替川")
    second = ChildFactory(family_name="交換山")
    a = stored("casework_child", "family_name", first.pk)
    b = stored("casework_child", "family_name", second.pk)
    store("casework_child", "family_name", first.pk, b)
    store("casework_child", "family_name", second.pk, a)
    for pk in (first.pk, second.pk):
        with pytest.raises(DecryptionError, match="復号できません"):
            Child.objects.get(pk=pk)


@pytest.mark.django_db
def test_a_reporter_copied_from_another_consultation_fails_to_decrypt(world):
    from intake.models import Consultation

    source = world["consultation"]
    other = Consultation.objects.get(pk=source.pk)
    other.pk, other.row_key = None, uuid.uuid4()
    other.save()
    assert Consultation.objects.get(pk=other.pk).reporter_name == source.reporter_name
    store(
        "intake_consultation",
        "reporter_name",
        other.pk,
        stored("intake_consultation", "reporter_name", source.pk),
    )
    with pytest.raises(DecryptionError):
        Consultation.objects.get(pk=other.pk)


@pytest.mark.django_db
def test_an_old_value_replayed_from_history_into_the_live_row_fails_to_decrypt():
    child = ChildFactory(school="港区立旧校")
    child.school = "港区立新校"
    child.save()
    old = Child.history.filter(id=child.pk).earliest()
    token = stored("casework_historicalchild", "school", old.history_id, pk_column="history_id")
    store("casework_child", "school", child.pk, token)
    with pytest.raises(DecryptionError):
        Child.objects.get(pk=child.pk)


@pytest.mark.django_db
def test_a_value_moved_between_two_versions_in_history_fails_to_decrypt():
    child = ChildFactory(school="港区立一の校")
    child.school = "港区立二の校"
    child.save()
    from casework.audit.chain import seal, verify

    seal()  # as after commit
    first, second = Child.history.filter(id=child.pk).order_by("history_id")
    token = stored("casework_historicalchild", "school", second.history_id, pk_column="history_id")
    store("casework_historicalchild", "school", first.history_id, token, pk_column="history_id")
    with pytest.raises(DecryptionError):
        Child.history.get(history_id=first.history_id)
    assert [p.kind for p in verify().problems] == ["altered"]


@pytest.mark.django_db
def test_the_row_key_exists_before_the_first_save_and_never_changes():
    child = ChildFactory.build()
    key = child.row_key
    assert key is not None
    child.save()
    child.family_name = "改名"
    child.save()
    assert Child.objects.get(pk=child.pk).row_key == key
    assert {h.row_key for h in Child.history.filter(id=child.pk)} == {key}


@pytest.mark.django_db
def test_values_in_the_old_unbound_format_are_refused_until_rotation_binds_them():
    child = ChildFactory()
    legacy = key_ring().encrypt("旧形式", "casework.Child.family_name", prefix="mm1")
    store("casework_child", "family_name", child.pk, legacy)
    with pytest.raises(DecryptionError, match="rotate_field_keys"):
        Child.objects.get(pk=child.pk)
    with override_settings(MIMAMORI_ACCEPT_UNBOUND_CIPHERTEXT=True):
        assert Child.objects.get(pk=child.pk).family_name == "旧形式"


def test_every_model_with_encrypted_fields_has_a_row_key():
    from casework.audit.rows import encrypted_models

    ours = [m for m, _ in encrypted_models() if m._meta.app_label in APPS_BOUND]
    assert len(ours) == 58  # 29 models and their history
    assert all(hasattr(model, "row_key") for model in ours)
    errors = [e for m in ours for f in m._meta.fields for e in f.check()]
    assert not [e for e in errors if e.id == "mimamori.W001"]


APPS_BOUND = {"casework", "intake", "shelter", "foster", "network"}


@isolate_apps("casework")
def test_a_model_without_a_row_key_is_warned_of_and_keeps_the_unbound_format():
    from django.db import models

    from casework.fields import EncryptedTextField

    class Unadopted(models.Model):  # noqa: DJ008
        note = EncryptedTextField()

        class Meta:
            app_label = "casework"
            managed = False

    assert [e.id for e in Unadopted._meta.get_field("note").check()] == ["mimamori.W001"]
    field = Unadopted._meta.get_field("note")
    token = field.get_db_prep_save(field.pre_save(Unadopted(note="記録"), add=True), connection)
    assert token.startswith("mm1$")
