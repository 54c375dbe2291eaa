"""Test settings: fixed throwaway keys, fast hashing. DATABASE_URL picks SQLite or PostgreSQL."""

from __future__ import annotations

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
# Two keys: the newest first. Tests of rotation change this list.
MIMAMORI_FIELD_KEYS = [
    "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
    "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
]
MIMAMORI_BLIND_INDEX_KEY = "YmxpbmQtaW5kZXgta2V5LWZvci10ZXN0cy0wMDAwMDA="
MIMAMORI_AUDIT_KEY = "YXVkaXQtY2hhaW4ta2V5LWZvci10ZXN0cy0wMDAwMDAwMA=="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True
# Personas sign in without a second factor; the two-factor tests turn the production rule back
# on (tests/casework/test_two_factor.py), and a test checks that base settings require it.
MIMAMORI_2FA_REQUIRED_ROLES = []
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Static files come from the finders in tests (no collectstatic run).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Every history row's content taken from memory for sealing is compared with the row read back.
MIMAMORI_AUDIT_CHECK_MEMORY = True
