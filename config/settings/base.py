"""Settings shared by every environment. Values that differ come from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "pgtrigger",
    "django_filters",
    "django_htmx",
    "casework",
    "intake",
    "shelter",
    "foster",
    "network",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "casework.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "casework.middleware.TwoFactorMiddleware",
    "casework.middleware.ReadOnlyAuditorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "casework.context_processors.navigation",
            ],
            "builtins": ["casework.templatetags.wareki"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'mimamori.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A fresh clone has no var/ yet: SQLite cannot create its file in a missing directory.
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE: a write transaction takes the lock at BEGIN, so two admissions cannot interleave.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short OLTP queries: PostgreSQL's JIT spent 160 ms compiling a 30 ms count at 100k cases.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# Separate roles (casework/dbroles.py): the application connects with DATABASE_URL; migrations
# run as the owner, `manage.py migrate --database owner` with DATABASE_OWNER_URL, and grant
# the application's role what it needs afterwards.
MIMAMORI_DB_APP_ROLE = env("MIMAMORI_DB_APP_ROLE", "")
if env("DATABASE_OWNER_URL"):
    DATABASES["owner"] = dj_database_url.parse(env("DATABASE_OWNER_URL"), conn_max_age=0)
    DATABASES["owner"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
    MIMAMORI_DB_APP_ROLE = MIMAMORI_DB_APP_ROLE or DATABASES["default"].get("USER", "")
MIMAMORI_CHECK_DB_ROLES = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: 30 minutes idle, then log in again.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content Security Policy: our own origin only, no inline code (UI.md: closed network).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login throttling (django-axes), password and second factor alike. A failure counts against the
# pair (user name, client address) and against the user name alone, with two limits
# (casework/lockout.py): five from one address lock that address out of the account; twenty from
# anywhere lock the account. So a stranger typing wrong passwords from another machine cannot
# lock a caseworker out, and many staff behind one NAT address do not lock each other out.
AXES_FAILURE_LIMIT = 5
MIMAMORI_ACCOUNT_FAILURE_LIMIT = 20
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "casework.lockout.PairThenAccountHandler"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_CLIENT_IP_CALLABLE = "casework.access.client_ip"
# The client's address: REMOTE_ADDR, unless the request comes from one of these reverse proxies,
# in which case the address the nearest trusted proxy saw (X-Forwarded-For, read from the right).
# Empty (the default): the header is ignored, since anyone could write it.
MIMAMORI_TRUSTED_PROXIES = env_list("MIMAMORI_TRUSTED_PROXIES")

# The issuing centre on the documents of the ladder's steps (出頭要求告知書…, issue 14).
MIMAMORI_CENTRE_NAME = env("MIMAMORI_CENTRE_NAME", "港区児童相談所")

# Two-factor sign-in (django-otp): TOTP with backup codes. Mandatory for these roles (they are
# sent to enrolment after the password until enrolled); MIMAMORI_2FA_FOR_EVERYONE makes it
# mandatory for every user. Anyone may enrol; once enrolled, sign-in always asks for a code.
MIMAMORI_2FA_REQUIRED_ROLES = ["supervisor", "auditor", "admin"]
MIMAMORI_2FA_FOR_EVERYONE = env_bool("MIMAMORI_2FA_FOR_EVERYONE", False)
OTP_TOTP_ISSUER = "見守り"
# How long the password step is remembered while the code is asked for.
MIMAMORI_2FA_PENDING_SECONDS = 5 * 60

# django-guardian: direct FK tables; no anonymous user; no auto prefetch (bug with direct FKs).
ANONYMOUS_USER_NAME = None
GUARDIAN_AUTO_PREFETCH = False
GUARDIAN_RAISE_403 = False

# django-simple-history
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# django-pgtrigger: triggers are installed after migrate (history tables are generated).
PGTRIGGER_INSTALL_ON_MIGRATE = True
PGTRIGGER_MIGRATIONS = False

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Field encryption (casework/fields.py): keys newest first; a separate key for blind indexes
# and another for the audit chain.
MIMAMORI_FIELD_KEYS = env_list("MIMAMORI_FIELD_KEYS")
MIMAMORI_BLIND_INDEX_KEY = env("MIMAMORI_BLIND_INDEX_KEY", "")
MIMAMORI_AUDIT_KEY = env("MIMAMORI_AUDIT_KEY", "")
# The audit chain's witness (casework/audit/witness.py): an append-only file outside the
# database; ship it (and the mimamori.audit.witness log) to another host. A row left unsealed
# longer than this many seconds is a finding of verify_audit.
MIMAMORI_AUDIT_WITNESS = env("MIMAMORI_AUDIT_WITNESS", str(BASE_DIR / "var" / "audit-witness.log"))
MIMAMORI_AUDIT_UNSEALED_MAX_SECONDS = int(env("MIMAMORI_AUDIT_UNSEALED_MAX_SECONDS", "300"))

# Domain settings that local practice may change (DOMAIN.md marks them configurable).
MIMAMORI_HANDBOOK_REMINDER_DAYS = int(env("MIMAMORI_HANDBOOK_REMINDER_DAYS", "90"))
# 意見聴取等措置 (DOMAIN §11): where the child's views could not be heard before a decision, the
# law says 「速やかに」 afterwards; the centre's practice reads that as within this many days of
# the decision (the decision day not counted). The "heard afterwards" item is due at the end of
# the last day.
MIMAMORI_VIEWS_AFTERWARDS_DAYS = int(env("MIMAMORI_VIEWS_AFTERWARDS_DAYS", "3"))

# Reminders by e-mail (issue 11), through Django 6.1's MAILERS: production sends them through
# the ward's mail relay on the closed network (DJANGO_EMAIL_HOST…); the demo prints them.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": env("DJANGO_EMAIL_HOST", "localhost"),
            "port": int(env("DJANGO_EMAIL_PORT", "25")),
            "username": env("DJANGO_EMAIL_HOST_USER", ""),
            "password": env("DJANGO_EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
        },
    }
}
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "mimamori@localhost")
MIMAMORI_ADOPTIVE_FOSTER_YEARS = int(env("MIMAMORI_ADOPTIVE_FOSTER_YEARS", "5"))
# How often each 要対協 register entry is reviewed at the 実務者会議, in months (DOMAIN §10:
# commonly every 3 months; configurable).
MIMAMORI_NETWORK_REVIEW_MONTHS = int(env("MIMAMORI_NETWORK_REVIEW_MONTHS", "3"))
# How many children a foster home of each type may take at most (DOMAIN §5: 養育里親 4,
# 専門里親 2; national practice, configurable). A home's own capacity is set within this.
MIMAMORI_FOSTER_CAPACITY = {
    "nurturing": int(env("MIMAMORI_FOSTER_CAPACITY_NURTURING", "4")),
    "specialist": int(env("MIMAMORI_FOSTER_CAPACITY_SPECIALIST", "2")),
    "adoptive": int(env("MIMAMORI_FOSTER_CAPACITY_ADOPTIVE", "4")),
    "kinship": int(env("MIMAMORI_FOSTER_CAPACITY_KINSHIP", "4")),
}

AUTH_USER_MODEL = "casework.User"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    # `migrate` listed every append-only trigger it installed (~30 lines) and axes its version:
    # their warnings still show.
    "loggers": {"pgtrigger": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
