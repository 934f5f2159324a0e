"""SCM Console settings: one module, driven by environment variables with safe
development defaults. Every variable is documented in the README."""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy

from scm_console import logging_setup

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The fallback key only exists so a fresh checkout runs; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "scm_console.apps.ConsoleAdminConfig",  # django.contrib.admin, with the staff overview
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_fsm",
    "django_htmx",
    "django_countries",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from the console itself, no CDN
    "teams",
    "certificates",
    "demo",  # seed_demo, demo_dns, run_demo; the simulated CA and the traffic (SCM_SIMULATED_CA…)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scm_console.middleware.language",
    "scm_console.middleware.private_pages",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "scm_console.urls"
WSGI_APPLICATION = "scm_console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "teams.context.team",
            ],
        },
    },
]

# SQLite by default. WAL lets readers work while one writer writes; IMMEDIATE transactions
# take the write lock up front so two writers queue on the busy timeout instead of failing
# halfway with "database is locked".
# The list's rows as HTML, per process (templates/certificates/list.html, views/lists.py):
# a page of rows that did not change since is not rendered again.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "rows": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "scm-rows",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}
SQLITE_PATH = Path(os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"))
if os.environ.get("DATABASE_URL"):
    # Persistent connections, checked before reuse: after a database restart the next
    # request reconnects instead of failing on a dead connection.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # A worker keeps its connection: opening one reads the schema and runs the PRAGMAs
            # below, which costs a few milliseconds per request.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # Tests use a file too, so threads and the browser tests' live server share it
            # under the same WAL and locking rules as production.
            "TEST": {"NAME": str(BASE_DIR / ".test-db.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "certificates:list"
LOGOUT_REDIRECT_URL = "login"

# SPEC §12: the saved choice, else Accept-Language, else English (teams/languages.py).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文"), ("th", "ไทย")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 86400
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True
# Times with their zone wherever Django formats one (the admin): scm_console/formats/.
FORMAT_MODULE_PATH = ["scm_console.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve straight from the apps' static folders until `collectstatic` has been run, and
# don't warn that STATIC_ROOT does not exist before then.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at: .*staticfiles")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = logging_setup.config(os.environ.get("LOG_LEVEL", "INFO"))

# SCM Console
# Seconds between two polls of a list that has certificates in progress.
SCM_POLL_INTERVAL = float(os.environ.get("SCM_POLL_INTERVAL", "5"))
SCM_PAGE_SIZE = int(os.environ.get("SCM_PAGE_SIZE", "20"))
# Certificates that expire within this many days say so in the list.
SCM_EXPIRY_WARNING_DAYS = 30
# A domain containing one of these words goes to manual review (SPEC §4).
SCM_SPECIAL_WORDS = env_list("SCM_SPECIAL_WORDS", "bank,pay,live")
# Expected issue dates count working days: weekends, this country's public holidays and
# the CA's own suspension dates (ISO dates, comma-separated) are skipped.
SCM_CA_HOLIDAY_COUNTRY = os.environ.get("SCM_CA_HOLIDAY_COUNTRY", "US")
SCM_CA_SUSPENSION_DATES = env_list("SCM_CA_SUSPENSION_DATES", "")
SCM_MANUAL_REVIEW_EXTRA_DAYS = int(os.environ.get("SCM_MANUAL_REVIEW_EXTRA_DAYS", "3"))
SCM_TEST_CERTIFICATE_QUOTA = 20
# Encrypts private keys at rest (Fernet: 32 url-safe base64 bytes). Kept apart from
# SECRET_KEY so rotating one does not touch the other; production must set it.
SCM_KEY_ENCRYPTION_KEY = os.environ.get("SCM_KEY_ENCRYPTION_KEY", "")
# Largest CSR accepted, pasted or uploaded; checked before any parsing.
SCM_MAX_CSR_BYTES = 16 * 1024
FILE_UPLOAD_HANDLERS = [
    "certificates.uploads.LimitedUploadHandler",  # stops a file past SCM_MAX_CSR_BYTES
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # a form's fields, files aside: 400 beyond this

PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"
# The names people use where django-countries keeps the ISO list's ("Naoero", "Bahamas
# (The)"): in the organization form, the details page and the admin alike.
COUNTRIES_OVERRIDE = {
    "BS": gettext_lazy("Bahamas"),
    "NR": gettext_lazy("Nauru"),
    "FK": gettext_lazy("Falkland Islands"),
    "VG": gettext_lazy("British Virgin Islands"),
    "VI": gettext_lazy("U.S. Virgin Islands"),
}

# Web security. Content-Security-Policy without 'unsafe-inline': every script and style
# is a file of ours (htmx's own indicator styles are off, see base.html, and live in
# console.css). Served over HTTPS (SCM_HTTPS=1, behind a TLS-terminating proxy that sets
# X-Forwarded-Proto), cookies are Secure, HTTP redirects to HTTPS and HSTS is sent, except
# for the CRL and OCSP, which relying parties fetch over plain HTTP (BR §7.1.2.11).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx sends the token from the page (hx-headers), not the cookie
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SCM_HTTPS = env_bool("SCM_HTTPS", False)
if SCM_HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^ocsp/", r"^ca/"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SCM_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SCM_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SCM_HSTS_PRELOAD", True)

# Password guessing: the fifth failed login for one username from one address locks that
# pair out for 15 minutes (console and admin logins alike), answered with 429; so do 20
# failed logins from one address across usernames (spraying; scm_console/login_limits.py).
AXES_FAILURE_LIMIT = int(os.environ.get("SCM_LOGIN_FAILURE_LIMIT", "5"))
SCM_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("SCM_LOGIN_FAILURES_PER_ADDRESS", "20"))
AXES_COOLOFF_TIME = float(os.environ.get("SCM_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "scm_console.login_limits.LoginLimits"
# The client's address: REMOTE_ADDR, or behind this many reverse proxies (each appending to
# X-Forwarded-For) the address the outermost one saw. 0 believes no X-Forwarded-For at all.
SCM_TRUSTED_PROXIES = int(os.environ.get("SCM_TRUSTED_PROXIES", "0"))
AXES_CLIENT_IP_CALLABLE = "scm_console.client_address.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Domain control validation (SPEC §5). The resolver (host:port) and the HTTP port are
# configurable so tests and the demo can use real servers on 127.0.0.1.
SCM_DNS_RESOLVER = os.environ.get("SCM_DNS_RESOLVER", "")
SCM_DNS_TIMEOUT = float(os.environ.get("SCM_DNS_TIMEOUT", "3"))
SCM_HTTP_VALIDATION_PORT = int(os.environ.get("SCM_HTTP_VALIDATION_PORT", "80"))
SCM_HTTP_TIMEOUT = float(os.environ.get("SCM_HTTP_TIMEOUT", "5"))
# The file check contacts whatever address a domain points to; private and loopback
# addresses are refused unless allowed here (tests and the demo allow them).
SCM_VALIDATION_ALLOW_PRIVATE = env_bool("SCM_VALIDATION_ALLOW_PRIVATE", DEBUG)
# Re-checks of pending domains: first after a minute, doubling, at most hourly, until
# the deadline, when the application fails.
SCM_RECHECK_FIRST_SECONDS = int(os.environ.get("SCM_RECHECK_FIRST_SECONDS", "60"))
SCM_RECHECK_MAX_SECONDS = int(os.environ.get("SCM_RECHECK_MAX_SECONDS", "3600"))
# A checker holds a domain this long at most; if it dies, another may check after that.
SCM_CHECK_LEASE_SECONDS = int(os.environ.get("SCM_CHECK_LEASE_SECONDS", "60"))
SCM_VERIFICATION_DEADLINE_DAYS = int(os.environ.get("SCM_VERIFICATION_DEADLINE_DAYS", "30"))
SCM_EMAIL_LINK_MAX_AGE_DAYS = int(os.environ.get("SCM_EMAIL_LINK_MAX_AGE_DAYS", "3"))
# CAA identities of this CA (RFC 8659 issuer domain names); checked before issuance.
SCM_CAA_IDENTITIES = env_list("SCM_CAA_IDENTITIES", "scm-console.example")
SCM_CHECK_CAA = env_bool("SCM_CHECK_CAA", True)
# DV certificates without manual review are issued as soon as their domains are verified.
SCM_AUTO_ISSUE_DV = env_bool("SCM_AUTO_ISSUE_DV", True)
# The demo's settings, read in demo/ only. The simulated CA (demo/simulated_ca.py): the
# worker completes withdrawals after this delay; off unless set (`make run` sets it).
SCM_SIMULATED_CA = env_bool("SCM_SIMULATED_CA", False)
SCM_SIMULATED_CA_DELAY_SECONDS = int(os.environ.get("SCM_SIMULATED_CA_DELAY_SECONDS", "20"))
# Demo traffic (demo/traffic.py): an application every this many s; 0 (off) but in `make run`.
SCM_DEMO_TRAFFIC_SECONDS = int(os.environ.get("SCM_DEMO_TRAFFIC_SECONDS", "0"))
# How long the traffic's OV and EV wait at 70% and at 90% before the demo's CA staff
# member takes them: long enough for a person to see and take them first.
SCM_DEMO_REVIEW_SECONDS = int(os.environ.get("SCM_DEMO_REVIEW_SECONDS", "240"))
SCM_DEMO_ISSUE_SECONDS = int(os.environ.get("SCM_DEMO_ISSUE_SECONDS", "120"))
# Rate limits (certificates/services/limits.py): "Verify now" per certificate, validation
# emails per domain, per recipient address and per account and hour, downloads per user/hour.
SCM_VERIFY_NOW_SECONDS = int(os.environ.get("SCM_VERIFY_NOW_SECONDS", "10"))
SCM_EMAIL_RESEND_SECONDS = int(os.environ.get("SCM_EMAIL_RESEND_SECONDS", "300"))
SCM_EMAIL_ADDRESS_SECONDS = int(os.environ.get("SCM_EMAIL_ADDRESS_SECONDS", "300"))
SCM_EMAILS_PER_HOUR = int(os.environ.get("SCM_EMAILS_PER_HOUR", "20"))
SCM_DOWNLOADS_PER_HOUR = int(os.environ.get("SCM_DOWNLOADS_PER_HOUR", "60"))
# ACME (SPEC §11). A challenge is checked when its client asks, then re-checked after 2,
# 4, 8… seconds, at most this many times before the order fails; its certificates are of
# this brand. Per account and hour: new orders, and challenges that failed for good.
SCM_ACME_RETRY_SECONDS = int(os.environ.get("SCM_ACME_RETRY_SECONDS", "2"))
SCM_ACME_VALIDATION_ATTEMPTS = int(os.environ.get("SCM_ACME_VALIDATION_ATTEMPTS", "4"))
SCM_ACME_BRAND = os.environ.get("SCM_ACME_BRAND", "aurora")
SCM_ACME_ORDERS_PER_HOUR = int(os.environ.get("SCM_ACME_ORDERS_PER_HOUR", "300"))
SCM_ACME_FAILED_VALIDATIONS_PER_HOUR = int(
    os.environ.get("SCM_ACME_FAILED_VALIDATIONS_PER_HOUR", "10")
)
# Requests a minute from one address to the ACME endpoints anyone may call (directory,
# new-nonce, newAccount, revokeCert), counted per web process in its cache; 0: no limit.
SCM_ACME_ANONYMOUS_PER_MINUTE = int(os.environ.get("SCM_ACME_ANONYMOUS_PER_MINUTE", "300"))
# An order's authorizations must be completed within this many days.
SCM_ACME_ORDER_DAYS = int(os.environ.get("SCM_ACME_ORDER_DAYS", "7"))
# Organization verification is reused for this long (SPEC §3).
SCM_ORG_VERIFICATION_REUSE_DAYS = 395  # 13 months

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job still running after this long was left by a dead worker and runs again (every job
# is idempotent); workers look for such jobs this often (certificates/tasks.py requeue_abandoned).
SCM_TASK_TIMEOUT_SECONDS = int(os.environ.get("SCM_TASK_TIMEOUT_SECONDS", "300"))
SCM_TASK_SWEEP_SECONDS = float(os.environ.get("SCM_TASK_SWEEP_SECONDS", "30"))
SCM_TASK_POLL_SECONDS = float(os.environ.get("SCM_TASK_POLL_SECONDS", "1"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "validation@scm-console.example")
# Absolute links in emails (the domain-validation link) start with this.
SCM_PUBLIC_URL = os.environ.get("SCM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# `make bench` only: reference views (a hello-world view, the stock admin changelist).
SCM_BENCH_VIEWS = env_bool("SCM_BENCH_VIEWS", False)

# The REST API (SPEC §10, certificates/api/): JSON only, token authentication, SCM's error
# shape for every failure (certificates/api/errors.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["certificates.api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["certificates.api.access.IsTeamMember"],
    "DEFAULT_THROTTLE_CLASSES": ["certificates.api.throttling.PerToken"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["certificates.api.parsers.JSONParser"],  # any unreadable body: 400
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "certificates.api.errors.handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SCM Console API",
    "DESCRIPTION": "Certificates of a team, shaped like SCM's v3 API: buy, apply, verify, "
    "withdraw, revoke, export and delete. Authenticate with `X-Auth-Token: <token>` (or "
    "`Authorization: Bearer <token>`); make a token on the console's API tokens page.",
    "VERSION": "3",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "certificates.api.schema.closed_request_bodies",  # bodies take no unknown fields
    ],
}
# API requests per token and minute, counted in the database so every web process shares
# the count (certificates/services/limits.py count_api_request).
SCM_API_REQUESTS_PER_MINUTE = int(os.environ.get("SCM_API_REQUESTS_PER_MINUTE", "600"))
# The deepest `offset` the API's list accepts; walk further with `cursor`.
SCM_API_MAX_OFFSET = 1000
