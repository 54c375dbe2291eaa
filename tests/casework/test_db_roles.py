"""Separate database roles on PostgreSQL (issue 9): the application's role owns nothing and
cannot truncate, alter or drop the history, the chain or the access log; even the owner is
stopped from truncating them by BEFORE TRUNCATE triggers; the production check says so."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from casework.dbroles import app_role_problems, check_app_role, protected_tables
from tests.conftest import PG_APP, PG_OWNER, _pg_roles_active, as_owner

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _separate_roles(db):
    if not _pg_roles_active():  # known only once the test database is set up
        pytest.skip("MIMAMORI_TEST_SINGLE_ROLE: the suite runs with one role")


TABLES = ["casework_historicalchild", "casework_auditlink", "casework_accesslog"]


@pytest.fixture
def as_app():
    """A connection of its own, logged in as the application's role (as in production)."""
    params = connection.settings_dict
    conn = psycopg.connect(
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
        user=PG_APP,
        dbname=params["NAME"],
        autocommit=True,
    )
    yield conn
    conn.close()


def refused(statement: str) -> str:
    """The error PostgreSQL gives the test connection's current role (a savepoint keeps the
    test transaction usable)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    except DatabaseError as exc:
        return str(exc)
    return ""


def test_the_suite_runs_as_the_application_role_not_the_owner():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == PG_APP


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE {table}",
        "ALTER TABLE {table} DISABLE TRIGGER ALL",
        "ALTER TABLE {table} DISABLE TRIGGER USER",
        "DROP TABLE {table} CASCADE",
        "DELETE FROM {table}",
        "UPDATE {table} SET id = id",
    ],
)
def test_the_application_role_cannot_truncate_disable_triggers_drop_or_rewrite(
    as_app, table, statement
):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_app.execute(statement.format(table=table))


def test_the_application_role_owns_no_table(as_app):
    owned = as_app.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s",
        [PG_APP],
    ).fetchone()[0]
    assert owned == 0


def test_the_application_role_may_still_append_and_move_the_head(as_app):
    with as_app.transaction(force_rollback=True):  # leaves nothing behind for later tests
        as_app.execute(
            "INSERT INTO casework_accesslog (record_type, record_id, action, at, path) "
            "VALUES ('casework.Child', '1', 'view', now(), '/')"
        )
        as_app.execute("UPDATE casework_chainhead SET seq = seq")


@pytest.mark.parametrize("table", ["casework_historicalteam", "casework_accesslog"])
def test_even_the_owner_is_refused_truncate_by_the_trigger(table):
    with as_owner():
        message = refused(f"TRUNCATE {table} CASCADE")
    assert "append-only" in message and "TRUNCATE" in message


def test_every_protected_table_has_a_truncate_trigger():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'pgtrigger_no_truncate_%%' AND t.tgenabled <> 'D'"
        )
        guarded = {row[0] for row in cursor.fetchall()}
    assert set(protected_tables()) <= guarded


def test_the_production_check_passes_for_the_application_role():
    assert app_role_problems(connection) == []
    with override_settings(MIMAMORI_CHECK_DB_ROLES=True):
        assert check_app_role(databases=["default"]) == []


def test_the_production_check_fails_when_the_app_connects_as_the_owner():
    with as_owner():
        problems = app_role_problems(connection)
        with override_settings(MIMAMORI_CHECK_DB_ROLES=True):
            errors = check_app_role(databases=["default"])
    assert any(f"{PG_OWNER} owns" in p for p in problems)
    assert {e.id for e in errors} == {"mimamori.E003"}


def test_the_production_check_names_a_grant_too_many():
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f"GRANT DELETE ON casework_auditlink TO {PG_APP}")
    assert any("casework_auditlink" in p for p in app_role_problems(connection))
