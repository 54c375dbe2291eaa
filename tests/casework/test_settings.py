"""Production settings refuse to start without real keys; `check --deploy` is clean with them."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.keys import ensure_demo_keys, parse_field_key, validate_production_keys

ROOT = Path(__file__).resolve().parents[2]


def key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def real_env(**overrides) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMAMORI_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="mimamori.example.lg.jp",
        MIMAMORI_FIELD_KEYS=f"p2:{key()},p1:{key()}",
        MIMAMORI_BLIND_INDEX_KEY=key(),
        MIMAMORI_AUDIT_KEY=key(),
        DATABASE_URL="sqlite:///:memory:",
        DATABASE_OWNER_URL="sqlite:///:memory:",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_nothing_with_real_keys():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=real_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "override",
    [
        {"MIMAMORI_FIELD_KEYS": None},
        {"MIMAMORI_AUDIT_KEY": None},
        {"MIMAMORI_BLIND_INDEX_KEY": None},
        {"DJANGO_SECRET_KEY": None},
        {"DJANGO_SECRET_KEY": "short"},
        {"DJANGO_DEBUG": "true"},
        {"MIMAMORI_FIELD_KEYS": "p1:bm90LTMyLWJ5dGVz"},
    ],
)
def test_production_refuses_to_start_without_real_keys(override):
    result = manage("check", env=real_env(**override))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_migrate_refuses_to_run_without_the_owner_url():
    result = manage("migrate", "--plan", env=real_env(DATABASE_OWNER_URL=None))
    assert result.returncode != 0
    assert "DATABASE_OWNER_URL is required to migrate" in result.stderr


def test_the_service_runs_without_the_owners_password():
    """The application process is not given the owner's credentials (deploy/mimamori.service)."""
    result = manage("check", env=real_env(DATABASE_OWNER_URL=None))
    assert result.returncode == 0, result.stderr


def test_secrets_can_come_from_files(tmp_path):
    secret_file = tmp_path / "audit.key"
    secret_file.write_text(key() + "\n")
    result = manage(
        "check", env=real_env(MIMAMORI_AUDIT_KEY=None, MIMAMORI_AUDIT_KEY_FILE=str(secret_file))
    )
    assert result.returncode == 0, result.stderr


def test_keys_must_differ():
    same = key()
    with pytest.raises(ImproperlyConfigured):
        validate_production_keys(
            secret_key=secrets.token_urlsafe(60),
            field_keys=[f"a:{same}"],
            blind_index_key=same,
            audit_key=key(),
        )


def test_field_key_entries_are_validated():
    kid, raw = parse_field_key(f"k9:{key()}")
    assert kid == "k9" and len(raw) == 32
    for bad in ["nokid", ":abc", "k 1:" + key(), "k1:not-base64!"]:
        with pytest.raises(ImproperlyConfigured):
            parse_field_key(bad)


def test_demo_keys_are_generated_once_and_kept(tmp_path):
    path = tmp_path / "var" / "demo-keys.env"
    first = ensure_demo_keys(path)
    assert ensure_demo_keys(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    parse_field_key(first["MIMAMORI_FIELD_KEYS"])


def test_demo_keys_are_not_in_git():
    ignored = (ROOT / ".gitignore").read_text()
    assert "var/" in ignored


@pytest.mark.parametrize(
    ("flag", "roles"), [(None, "[]"), ("true", "['supervisor', 'auditor', 'admin']")]
)
def test_the_demo_asks_for_a_second_factor_only_when_told(flag, roles):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MIMAMORI_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    if flag:
        env["MIMAMORI_DEMO_2FA"] = flag
    code = "from django.conf import settings; print(settings.MIMAMORI_2FA_REQUIRED_ROLES)"
    result = manage("shell", "--no-imports", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == roles  # after shell's import notice
