"""No plaintext copies (issue 9): a personal value lives only in its encrypted column.

Seeds records through the services and the pages (so flash messages land in django_session),
then reads every plain text column of every table with raw SQL — history tables, the access
log, the audit chain and the sessions included — and looks for any value that is stored
encrypted somewhere. Timeline events, change reasons and messages must carry none of them.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.messages.storage.cookie import MessageDecoder
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, models

from casework.audit.rows import encrypted_models, is_encrypted, read_values
from casework.models import Deadline

pytestmark = pytest.mark.django_db
MIN_LENGTH = 3  # shorter values (「母」) also occur as ordinary words and codes
VOCABULARY = {"auth_permission", "django_content_type", "django_migrations"}  # not records
MARKERS = ["秘匿の取下げ理由ＡＢＣ", "秘匿世帯員ＸＹＺ", "０９０秘匿電話"]


def personal_values() -> set[str]:
    """Every plaintext stored in an encrypted column anywhere (and its lines)."""
    found: set[str] = set()
    for model, fields in encrypted_models():
        for row in read_values(model._base_manager.all(), [f.attname for f in fields]):
            for value in row.values():
                if isinstance(value, str):
                    found.update(part.strip() for part in [value, *value.splitlines()])
    return {v for v in found if len(v) >= MIN_LENGTH}


def plain_columns() -> list[tuple[str, str]]:
    """(table, column) of every text-like column that is stored in clear."""
    kinds = (models.CharField, models.TextField, models.JSONField)
    columns = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy or model._meta.db_table in VOCABULARY:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, kinds) and not is_encrypted(f):
                columns.append((model._meta.db_table, f.column))
    return columns


def session_text(data: str) -> str:
    """A session's contents as text, its stored flash messages decoded too."""
    session = SessionStore().decode(data)
    text = json.dumps(session, ensure_ascii=False, default=str)
    if "_messages" in session:
        messages = json.loads(session["_messages"], cls=MessageDecoder)
        text += " ".join(str(m.message) for m in messages)
    return text


def stored_texts() -> list[tuple[str, str]]:
    quote = connection.ops.quote_name
    texts = []
    with connection.cursor() as cursor:
        for table, column in plain_columns():
            cursor.execute(f"SELECT {quote(column)} FROM {quote(table)}")  # noqa: S608
            texts += [(f"{table}.{column}", str(v)) for (v,) in cursor.fetchall() if v]
        cursor.execute("SELECT session_data FROM django_session")
        for (data,) in cursor.fetchall():
            texts.append(("django_session (decoded)", session_text(data)))
    return texts


@pytest.fixture
def seeded(world, supervisor, caseworker, login):
    """The world of every record kind, plus writes through the pages with personal values."""
    sv = login(supervisor)
    deadline = Deadline.objects.filter(team=world["case"].team).first()
    response = sv.post(f"/reminders/{deadline.pk}/dismiss/", {"reason": MARKERS[0]})
    assert response.status_code == 302, response.content.decode()[:3000]
    child = world["case"].child
    cw = login(caseworker)
    response = cw.post(
        f"/children/{child.pk}/household/",
        {"relationship": "father", "name": MARKERS[1], "phone": MARKERS[2]},
    )
    assert response.status_code == 302
    return world


def test_the_seeded_personal_values_are_all_stored_encrypted(seeded):
    values = personal_values()
    assert set(MARKERS) <= values
    assert len(values) > 12


def test_raw_sql_finds_no_personal_value_in_any_plain_column(seeded):
    values = personal_values()
    texts = stored_texts()
    sessions = [text for where, text in texts if where.startswith("django_session")]
    assert any("期限を取り下げました" in text for text in sessions)  # flash messages are there
    assert any(where.startswith("casework_historicalcaseevent") for where, _ in texts)
    leaks = sorted({(where, v) for where, text in texts for v in values if v in text})
    assert leaks == []
