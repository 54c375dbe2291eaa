"""Demo and development settings: SQLite by default, demo keys generated once into var/."""

from __future__ import annotations

from config.env import env_bool
from config.keys import ensure_demo_keys

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = env_bool("DJANGO_DEBUG", True)
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

_demo = ensure_demo_keys(BASE_DIR / "var" / "demo-keys.env")
SECRET_KEY = SECRET_KEY or _demo["DJANGO_SECRET_KEY"]  # noqa: F405
MIMAMORI_FIELD_KEYS = MIMAMORI_FIELD_KEYS or _demo["MIMAMORI_FIELD_KEYS"].split(",")  # noqa: F405
MIMAMORI_BLIND_INDEX_KEY = MIMAMORI_BLIND_INDEX_KEY or _demo["MIMAMORI_BLIND_INDEX_KEY"]  # noqa: F405
MIMAMORI_AUDIT_KEY = MIMAMORI_AUDIT_KEY or _demo["MIMAMORI_AUDIT_KEY"]  # noqa: F405

# The demo serves static files from the finders (no collectstatic step).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo's console: each sealing run's head still goes to the witness file (var/), but not to
# the terminal, where seeding would print hundreds of lines. Production logs it (base.py).
LOGGING["loggers"]["mimamori.audit.witness"] = {"level": "WARNING"}  # noqa: F405

# Two-factor sign-in is mandatory for supervisors, auditors and admins (base.py, production).
# The demo lets them in with the password alone unless MIMAMORI_DEMO_2FA=true (make demo
# DEMO_2FA=1), so that the screens can be tried without an authenticator app; anyone may still
# enrol at /accounts/two-factor/ and is then always asked for the code.
if not env_bool("MIMAMORI_DEMO_2FA", False):
    MIMAMORI_2FA_REQUIRED_ROLES = []
