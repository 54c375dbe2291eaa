"""Production refuses a secret key that is long but not random (issue 13, item 4): `"a" * 60`
used to pass the length check. README "Deploying" lists what is refused."""

from __future__ import annotations

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from config.keys import secret_key_problem, validate_production_keys
from tests.casework.test_settings import key, manage, real_env

WEAK = {
    "one character": "a" * 60,
    "two characters": "ab" * 30,
    "nine characters": "abcdefghi" * 7,
    "low entropy": "aaaaaaaaab" * 3 + "abcdefghijk" + "a" * 20,
    "a repeated pattern": "Zq8#mW2!pL" * 6,
    "a keyboard run": "qwe" + "abcdefgh" + secrets.token_hex(24),
    "a run of one character": secrets.token_urlsafe(30) + "xxxxxxxx" + secrets.token_urlsafe(20),
    "too short": secrets.token_urlsafe(30),
    "Django's insecure default": "django-insecure-" + secrets.token_urlsafe(40),
}


@pytest.mark.parametrize("name", sorted(WEAK))
def test_a_weak_secret_key_is_refused(name):
    assert secret_key_problem(WEAK[name]) is not None


@pytest.mark.parametrize(
    "generate",
    [
        lambda: secrets.token_urlsafe(50),
        lambda: secrets.token_hex(25),
        get_random_secret_key,
    ],
    ids=["token_urlsafe", "token_hex", "django"],
)
def test_random_secret_keys_are_accepted(generate):
    for _ in range(2000):
        candidate = generate()
        assert secret_key_problem(candidate) is None, candidate


def test_validation_says_why_a_key_is_refused():
    with pytest.raises(ImproperlyConfigured, match="different characters"):
        validate_production_keys(
            secret_key="a" * 60, field_keys=[f"k1:{key()}"], blind_index_key=key(), audit_key=key()
        )


def test_production_settings_refuse_sixty_times_a():
    result = manage("check", env=real_env(DJANGO_SECRET_KEY="a" * 60))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    """README "Deploying": every secret from a file, behind a trusted reverse proxy."""
    files = {}
    for name, value in {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "MIMAMORI_FIELD_KEYS": f"k2026a:{key()}",
        "MIMAMORI_BLIND_INDEX_KEY": key(),
        "MIMAMORI_AUDIT_KEY": key(),
    }.items():
        path = tmp_path / name.lower()
        path.write_text(value + "\n")
        path.chmod(0o600)
        files[f"{name}_FILE"] = str(path)
    env = real_env(
        DJANGO_SECRET_KEY=None,
        MIMAMORI_FIELD_KEYS=None,
        MIMAMORI_BLIND_INDEX_KEY=None,
        MIMAMORI_AUDIT_KEY=None,
        MIMAMORI_TRUSTED_PROXIES="127.0.0.1",
        **files,
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
