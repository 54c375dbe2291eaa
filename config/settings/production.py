"""Production: every secret from the environment; refuse to start without them."""

from __future__ import annotations

import sys

from django.core.exceptions import ImproperlyConfigured

from config.keys import validate_production_keys

from .base import *  # noqa: F403

if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

validate_production_keys(
    secret_key=SECRET_KEY,  # noqa: F405
    field_keys=MIMAMORI_FIELD_KEYS,  # noqa: F405
    blind_index_key=MIMAMORI_BLIND_INDEX_KEY,  # noqa: F405
    audit_key=MIMAMORI_AUDIT_KEY,  # noqa: F405
)

# PostgreSQL with two roles (casework/dbroles.py): DATABASE_URL is the application's role,
# DATABASE_OWNER_URL the owner that migrations run as. `manage.py check --deploy --database
# default` fails if the application's role owns the tables or could alter the history. The
# running service is never given the owner's password (the unit in deploy/ does not pass it):
# only `migrate` needs it, and refuses to run without it.
if "owner" not in DATABASES and sys.argv[1:2] == ["migrate"]:  # noqa: F405
    raise ImproperlyConfigured(
        "DATABASE_OWNER_URL is required to migrate in production: migrations run as the owner "
        "role (manage.py migrate --database owner), the application (DATABASE_URL) as a role "
        "that owns nothing."
    )
MIMAMORI_CHECK_DB_ROLES = True

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)  # noqa: F405
SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", "31536000"))  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
