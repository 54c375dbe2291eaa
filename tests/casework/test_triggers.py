"""PostgreSQL refuses UPDATE and DELETE on history, the audit chain and the access log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pgtrigger
import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from casework.audit import triggers
from casework.audit.chain import history_models, seal
from casework.models import AccessLog, AuditLink, ChainHead, Child, Team
from tests.conftest import as_owner
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _owner(db):
    """The triggers must stop even the owner of the tables: these tests run as the owner."""
    with as_owner():
        yield


pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL triggers")

PROTECTED = [*history_models(), AuditLink, AccessLog]


def run(sql: str, *params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, *params) -> bool:
    """True if the database refuses the statement (the test transaction stays usable)."""
    try:
        with transaction.atomic():
            run(sql, *params)
    except DatabaseError as exc:
        assert "append-only" in str(exc)
        return True
    return False


@pytest.fixture
def child(supervisor):
    child = ChildFactory(family_name="記録川")
    child.school = "港区立高輪台小学校"
    child.save()
    seal()  # as after commit
    return child


def test_every_history_table_and_both_logs_have_a_registered_trigger():
    registered = {(model._meta.label, trigger.name) for model, trigger in pgtrigger.registered()}
    for model in history_models():
        assert (model._meta.label, triggers.HISTORY_TRIGGER) in registered
    assert ("casework.AuditLink", triggers.LOG_TRIGGER) in registered
    assert ("casework.AccessLog", triggers.LOG_TRIGGER) in registered
    assert ("casework.ChainHead", triggers.HEAD_TRIGGER) in registered


@pg_only
def test_the_test_database_has_the_triggers_installed_by_migrate():
    installed = triggers.installed_trigger_tables()
    for model in [*PROTECTED, ChainHead]:
        assert installed.get(model._meta.db_table), model._meta.db_table


@pg_only
def test_raw_update_and_delete_of_history_rows_are_refused(child):
    assert refused("UPDATE casework_historicalchild SET town = '台場' WHERE id = %s", child.pk)
    assert refused("UPDATE casework_historicalchild SET family_name = 'x'")
    assert refused("DELETE FROM casework_historicalchild WHERE id = %s", child.pk)
    assert Child.history.filter(id=child.pk).count() == 2


@pg_only
def test_orm_update_and_delete_of_history_rows_are_refused(child):
    with pytest.raises(DatabaseError), transaction.atomic():
        Child.history.filter(id=child.pk).update(history_change_reason="書き換え")
    with pytest.raises(DatabaseError), transaction.atomic():
        Team.history.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Child.history.filter(id=child.pk).delete()


@pg_only
def test_history_tables_without_encrypted_columns_refuse_too(team_a):
    assert refused("UPDATE casework_historicalteam SET name = '改ざん係'")
    assert refused("DELETE FROM casework_historicalteam")


@pg_only
def test_audit_links_and_the_access_log_are_append_only(child, caseworker):
    AccessLog.objects.create(user=caseworker, record_type="casework.Child", record_id="1", path="/")
    seal()
    assert refused("UPDATE casework_auditlink SET mac = 'x'")
    assert refused("DELETE FROM casework_auditlink")
    assert refused("UPDATE casework_accesslog SET ip_address = '10.0.0.1'")
    assert refused("DELETE FROM casework_accesslog")


@pg_only
def test_the_chain_head_can_move_but_not_be_deleted(child):
    with transaction.atomic():
        assert run("UPDATE casework_chainhead SET seq = seq WHERE id = 1") == 1
    assert refused("DELETE FROM casework_chainhead")


@pg_only
def test_the_rekey_escape_allows_new_ciphertext_in_encrypted_columns_only(child):
    row = Child.history.filter(id=child.pk).earliest()
    ciphertext = "mm2$k9$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY="
    with transaction.atomic(), triggers.rekey_allowed():
        changed = run(
            "UPDATE casework_historicalchild SET family_name = %s WHERE history_id = %s",
            ciphertext,
            row.history_id,
        )
    assert changed == 1

    def refused_under_rekey(sql: str, *params) -> bool:
        try:
            with transaction.atomic(), triggers.rekey_allowed():
                run(sql, *params)
        except DatabaseError:
            return True
        return False

    hid = row.history_id
    sql = "UPDATE casework_historicalchild SET {} WHERE history_id = %s"
    assert refused_under_rekey(sql.format("town = '台場'"), hid)
    assert refused_under_rekey(sql.format("family_name = %s, town = '台場'"), ciphertext, hid)
    assert refused_under_rekey(sql.format("family_name = 'plain text'"), hid)
    assert refused_under_rekey(sql.format("address = NULL"), hid)
    assert refused_under_rekey("DELETE FROM casework_historicalchild WHERE history_id = %s", hid)


@pg_only
def test_the_rekey_escape_ends_with_its_block(child):
    with transaction.atomic(), triggers.rekey_allowed():
        pass
    assert refused(
        "UPDATE casework_historicalchild SET family_name = %s",
        "mm2$k9$QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0NTY=",
    )


@pg_only
def test_deleting_a_user_with_history_is_refused(caseworker, child):
    child._history_user = caseworker
    child.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        caseworker.delete()  # SET_NULL on history_user would rewrite history


@pg_only
@pytest.mark.django_db(transaction=False)
def test_migrate_on_a_fresh_database_installs_the_triggers():
    """`manage.py migrate` alone (no pytest machinery) leaves every trigger in place."""
    params = connection.settings_dict
    fresh = f"{params['NAME']}_fresh_migrate"
    admin = {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        url = f"postgres://{auth}@{admin['host']}:{admin['port']}/{fresh}"
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
            cwd=Path(settings.BASE_DIR),
            env=env,
            check=True,
            timeout=300,
        )
        with psycopg.connect(**{**admin, "dbname": fresh}) as conn:
            rows = conn.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname LIKE 'pgtrigger_%%'"
            ).fetchall()
            tables = {table for (table,) in rows}
            assert {m._meta.db_table for m in [*PROTECTED, ChainHead]} <= tables
            conn.execute(
                "INSERT INTO casework_historicalteam (id, name, active, history_date, "
                "history_type, history_change_reason) VALUES (1, 'x', true, now(), '+', '')"
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE casework_historicalteam SET name = 'y'")
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
