"""Separate database roles on PostgreSQL (issue 9, PRODUCT §5).

Migrations run as an owner role (`DATABASE_OWNER_URL`, alias "owner"); the application
connects with `DATABASE_URL` as a role that owns nothing and holds only the grants it needs:
read and write on the working tables, but no UPDATE, DELETE or TRUNCATE on the history
tables, the audit chain, the access log and the power changes (the chain head may move, not
go). Not owning the tables, it cannot ALTER them, DISABLE their triggers or DROP them.

`grant_app_role` runs after every migrate (post_migrate, as the owner), so new tables get
their grants too. `app_role_problems` is the system check of production settings
(`manage.py check --deploy --database default`): it fails when the application's role is a
superuser, owns a table, or could alter the protected tables.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

APPEND_ONLY = "UPDATE, DELETE, TRUNCATE"


def protected_tables() -> dict[str, str]:
    """Table -> the privileges the application must not have on it."""
    from casework.audit.chain import history_models
    from casework.models import AccessLog, AuditLink, ChainHead, PowerChange

    tables = {m._meta.db_table: APPEND_ONLY for m in history_models()}
    for model in (AuditLink, AccessLog, PowerChange):
        tables[model._meta.db_table] = APPEND_ONLY
    tables[ChainHead._meta.db_table] = "DELETE, TRUNCATE"
    return tables


def _all_tables() -> list[str]:
    return sorted(
        {
            m._meta.db_table
            for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy
        }
    )


def grant_app_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Give the application role what it needs and nothing more (run as the owner)."""
    quote = connection.ops.quote_name
    who = quote(role)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {who}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}")
        existing = set(connection.introspection.table_names(cursor))
        for table in _all_tables():
            if table in existing:
                cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quote(table)} TO {who}")
        for table, refused in protected_tables().items():
            if table in existing:
                cursor.execute(f"REVOKE {refused} ON {quote(table)} FROM {who}")
        cursor.execute(f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {who}")


def grant_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate: keep the application role's grants in step with the tables."""
    if sender.label != "casework":  # once per migrate, after every app's migrations
        return
    role = getattr(settings, "MIMAMORI_DB_APP_ROLE", "")
    connection = connections[using]
    if role and connection.vendor == "postgresql":
        grant_app_role(connection, role)


def app_role_problems(connection: BaseDatabaseWrapper) -> list[str]:
    """What the connected role could do that the application role must not."""
    problems = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        if superuser:
            problems.append(f"{user} is a superuser.")
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s "
            "ORDER BY tablename",
            [user],
        )
        owned = [row[0] for row in cursor.fetchall()]
        if owned:
            problems.append(f"{user} owns {len(owned)} tables (e.g. {owned[0]}).")
        existing = set(connection.introspection.table_names(cursor))
        for table, refused in protected_tables().items():
            if table not in existing:
                continue
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, %s)",
                [table, refused.replace(" ", "")],
            )
            if cursor.fetchone()[0]:
                problems.append(f"{user} may {refused} on {table}.")
    return problems


@checks.register(checks.Tags.database)
def check_app_role(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Under production settings: the application's own role must not own or alter history."""
    if not getattr(settings, "MIMAMORI_CHECK_DB_ROLES", False) or "default" not in (
        databases or ()
    ):
        return []
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return [
            checks.Error(
                "Production needs PostgreSQL: history is only append-only there.",
                id="mimamori.E002",
            )
        ]
    return [
        checks.Error(
            f"The application's database role must own nothing and not alter history: {p}",
            hint="Connect with DATABASE_URL as the application role; migrate with "
            "DATABASE_OWNER_URL (manage.py migrate --database owner).",
            id="mimamori.E003",
        )
        for p in app_role_problems(connection)
    ]


__all__ = ["app_role_problems", "grant_after_migrate", "grant_app_role"]
