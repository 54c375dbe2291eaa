"""No data lost (issue 13, item 5): the documented backup and restore, run for real.

The README's procedure: `pg_dump --format=custom` as the owner role, the key files kept apart,
`pg_restore` into a fresh database owned by the owner role, then `verify_audit`. Here a demo
centre is seeded, dumped, restored into a new database, and the copy is compared: the same
rows in every table, an encrypted name that still decrypts with the same keys (and is bound to
its row), and an audit chain that verifies against the same witness.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

# serialized_rollback: an earlier transactional test may have flushed what migrations put in
# (roles, routes, the shelter layout), which seed_demo needs.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[1]


def url(settings_dict: dict, name: str) -> str:
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    user = "mimamori_owner" if os.environ.get("MIMAMORI_TEST_SINGLE_ROLE") is None else None
    user = user or settings_dict.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{name}"


def row_counts(dsn: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def manage(*args: str, database_url: str, witness: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMAMORI_", "DJANGO_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "MIMAMORI_AUDIT_WITNESS": str(witness),
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_dump_restores_into_a_fresh_database_whole_readable_and_verified(tmp_path, audit_witness):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore: the PostgreSQL run covers this")
    for tool in ("pg_dump", "pg_restore"):
        assert shutil.which(tool), f"{tool} is needed (Debian: postgresql-client)"
    call_command("seed_demo", password="restore-test-password-2026", stdout=io.StringIO())
    from casework.audit.chain import seal
    from casework.models import Child

    seal()
    sample = Child.objects.order_by("pk").first()
    expected = f"{sample.pk} {sample.family_name} {sample.given_name}"

    source_name = connection.settings_dict["NAME"]
    restored_name = f"{source_name}_restored"
    source_url = url(connection.settings_dict, source_name)
    restored_url = url(connection.settings_dict, restored_name)
    server_url = url(connection.settings_dict, "postgres")
    dump = tmp_path / "mimamori.dump"

    import psycopg

    subprocess.run(  # noqa: S603
        ["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={source_url}"],  # noqa: S607
        check=True,
        capture_output=True,
    )
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
        conn.execute(f'CREATE DATABASE "{restored_name}"')
    try:
        restored = subprocess.run(  # noqa: S603
            ["pg_restore", "--exit-on-error", f"--dbname={restored_url}", str(dump)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr

        before, after = row_counts(source_url), row_counts(restored_url)
        assert after == before
        assert before["casework_child"] > 0 and before["casework_auditlink"] > 0

        code = (
            "from casework.models import Child; c = Child.objects.order_by('pk').first(); "
            "print(c.pk, c.family_name, c.given_name)"
        )
        read = manage(
            "shell", "--no-imports", "-c", code, database_url=restored_url, witness=audit_witness
        )
        assert read.returncode == 0, read.stderr
        assert read.stdout.strip().splitlines()[-1] == expected

        verified = manage("verify_audit", database_url=restored_url, witness=audit_witness)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        assert "改ざんは見つかりませんでした" in verified.stdout
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
