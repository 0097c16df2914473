"""Anxin settings: one file, every value from the environment with a safe embedded default.

`DATABASE_URL` switches from the embedded SQLite file to PostgreSQL. See `.env.example`.
"""

import os
from datetime import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ANXIN_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def envsecret(name: str, default: str | None = None) -> str | None:
    """Read NAME, or the contents of the file NAME_FILE (for container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def _embedded_secret_key() -> str:
    # A per-installation key kept beside the embedded database, so `make run` needs no setup
    # and no two installations share a key.
    from django.core.management.utils import get_random_secret_key

    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = envbool("ANXIN_DEBUG", "0")
SECRET_KEY = envsecret("ANXIN_SECRET_KEY") or _embedded_secret_key()
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# customer links in SMS and email are built from it; by default it follows the port `anxin run` serves on
SITE_URL = os.environ.get("ANXIN_SITE_URL", f"http://127.0.0.1:{os.environ.get('ANXIN_PORT', '8000')}")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

# G4: the search index follows every write. Off only to measure intake without it (bench/search); then reindex.
SEARCH_INDEX_ON_WRITE = os.environ.get("ANXIN_SEARCH_INDEX_ON_WRITE", "1") != "0"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # /api/docs from the installed package's own files (no CDN), under the normal CSP
    "django_htmx",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_tasks",
    "django_tasks_db",
    "anxin.core",
    "anxin.accounts",
    "anxin.audit",
    "anxin.customers",
    "anxin.workorders",
    "anxin.intake",
    "anxin.sla",
    "anxin.notifications",
    "anxin.dispatch",
    "anxin.field",
    "anxin.revisits",
    "anxin.complaints",
    "anxin.knowledge",
    "anxin.search",
    "anxin.reports",
    "anxin.portal",
    "anxin.mailintake",
    "anxin.retention",
    "anxin.qa",
    "anxin.devtools",  # loaddemo; no models
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "anxin.core.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "anxin.core.middleware.WithoutControlCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "anxin.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
    "anxin.accounts.middleware.RequireSecondFactorMiddleware",
]

ROOT_URLCONF = "anxin.urls"
WSGI_APPLICATION = "anxin.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workorders:queue"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "anxin.notifications.context_processors.unread",
            ],
        },
    }
]
# Django's widgets, with inputs and selects written in Python (the same HTML, a fraction of the time: issue 14)
FORM_RENDERER = "anxin.core.forms_renderer.FastRenderer"

# --- database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # health checks: a connection that PostgreSQL dropped (a restart) is replaced at the next request, not failed on
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("ANXIN_DB_CONN_MAX_AGE", 60),
                                                  conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No parallel plans by default: a desk's queries are short, and starting two workers for one cost ~13 ms of a
        # 3 ms statement on 2 cores (docs/decisions.md). A database server with cores to spare may allow them.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c max_parallel_workers_per_gather="
                              + str(envint("ANXIN_PG_PARALLEL_WORKERS", 0))).strip()
        # Plan a statement once per connection, not on every request: values are bound on the server and psycopg
        # prepares a statement on its fifth run (Django leaves both off for poolers). The database's CPU per page
        # fell 2–4× (docs/decisions.md). Off behind PgBouncer < 1.21 in transaction mode, which cannot keep them.
        if envbool("ANXIN_PG_PREPARED_STATEMENTS", "1"):
            options.update(server_side_binding=True, prepare_threshold=5)
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("ANXIN_SQLITE_PATH", str(VAR_DIR / "anxin.sqlite3")),
            # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
            # BEGIN so two writers queue on busy_timeout instead of failing mid-transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                    f" PRAGMA busy_timeout=20000; PRAGMA cache_size=-{envint('ANXIN_SQLITE_CACHE_MB', 16) * 1000};"
                ),
            },
            # Keep the connection across requests: opening one runs the PRAGMAs above every time.
            "CONN_MAX_AGE": None,
            "CONN_HEALTH_CHECKS": True,
            # A file, not :memory:, so threaded tests and the browser tests' live server share it.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "anxin.accounts.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# SECURITY-CASES 35: lock per user+IP after 5 failures for 15 minutes (never permanently).
AXES_FAILURE_LIMIT = envint("ANXIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("ANXIN_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# password spraying (issue 13): one address trying one password on many accounts; counted per AXES_COOLOFF_TIME
LOGIN_FAILURES_PER_ADDRESS = envint("ANXIN_LOGIN_FAILURES_PER_ADDRESS", 30)
# bad API tokens and bad CTI signatures from one address, per 10 minutes, before 429 with Retry-After
API_BAD_TOKENS_PER_ADDRESS = envint("ANXIN_API_BAD_TOKENS_PER_ADDRESS", 20)
CTI_BAD_SIGNATURES_PER_ADDRESS = envint("ANXIN_CTI_BAD_SIGNATURES_PER_ADDRESS", 20)
# public pages without a login (tracking and rating links, FAQ votes): requests per address and hour
PUBLIC_REQUESTS_PER_ADDRESS_HOUR = envint("ANXIN_PUBLIC_REQUESTS_PER_ADDRESS_HOUR", 120)
# password reset by email (SECURITY-CASES 34): requests per address and mails per account, per hour; link lifetime
PASSWORD_RESETS_PER_ADDRESS = envint("ANXIN_PASSWORD_RESETS_PER_ADDRESS", 10)
PASSWORD_RESETS_PER_ACCOUNT = envint("ANXIN_PASSWORD_RESETS_PER_ACCOUNT", 3)
PASSWORD_RESET_TIMEOUT = envint("ANXIN_PASSWORD_RESET_MINUTES", 30) * 60
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
SESSION_ENGINE = "anxin.accounts.sessions"  # Django's database sessions, the per-request read compiled once
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
# Served over HTTPS (ANXIN_SITE_URL https://…): secure cookies, HSTS, the HTTPS redirect (issue 13: check --deploy
# warned W004/W008 with no way to switch them on). Each can be set on its own; the defaults follow the site URL.
_HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = envbool("ANXIN_SECURE_COOKIES", "1" if _HTTPS else "0")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("ANXIN_SSL_REDIRECT", "1" if _HTTPS else "0")
SECURE_HSTS_SECONDS = envint("ANXIN_HSTS_SECONDS", 31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("ANXIN_HSTS_SUBDOMAINS", "0")
SECURE_HSTS_PRELOAD = envbool("ANXIN_HSTS_PRELOAD", "0")
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients): ANXIN_PROXY_HTTPS=1
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("ANXIN_PROXY_HTTPS", "0") else None
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the process manager's health check speaks plain HTTP on loopback
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- i18n: Simplified Chinese first --------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "anxin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
PHONE_DEFAULT_REGION = "CN"

# --- static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist")]
STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder",
                       "django.contrib.staticfiles.finders.AppDirectoriesFinder",
                       "anxin.core.staticfinders.VendorFilesFinder"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Attachments are never served from a public URL: only through a permission-checked view.
MEDIA_ROOT = Path(os.environ.get("ANXIN_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-public/"
ATTACHMENT_MAX_BYTES = envint("ANXIN_ATTACHMENT_MAX_MB", 10) * 1024 * 1024
ATTACHMENT_MAX_PIXELS = 40_000_000
# Issue 13: a 140 KB PNG of 36 MP decoded to ≈144 MB in the request. A JPEG is decoded at a reduced scale
# (libjpeg's draft mode) to at most ATTACHMENT_MAX_SIDE px; other images must fit ATTACHMENT_MAX_DECODED_MB decoded.
ATTACHMENT_MAX_SIDE = envint("ANXIN_ATTACHMENT_MAX_SIDE", 4096)  # stored photos are made no larger than this
ATTACHMENT_MAX_DECODED_BYTES = envint("ANXIN_ATTACHMENT_MAX_DECODED_MB", 64) * 1024 * 1024
# per staff member and day (the portal's channel account is limited per order and per phone instead)
ATTACHMENT_DAILY_QUOTA_BYTES = envint("ANXIN_ATTACHMENT_DAILY_QUOTA_MB", 500) * 1024 * 1024
ATTACHMENT_DAILY_QUOTA_FILES = envint("ANXIN_ATTACHMENT_DAILY_QUOTA_FILES", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
IMPORT_MAX_BYTES = envint("ANXIN_IMPORT_MAX_MB", 5) * 1024 * 1024
HISTORY_IMPORT_MAX_BYTES = envint("ANXIN_HISTORY_IMPORT_MAX_MB", 300) * 2**20  # streamed: size bounds time, not memory

# --- background work -------------------------------------------------------------------
TASKS = {"default": {"BACKEND": os.environ.get("ANXIN_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}

# --- hotline / CTI ---------------------------------------------------------------------
# The CTI switch signs each webhook body with this secret (HMAC-SHA256); empty disables the webhook.
CTI_WEBHOOK_SECRET = envsecret("ANXIN_CTI_SECRET", "") or ""  # "new,old" while rotating: both are accepted
CTI_MAX_SKEW_SECONDS = envint("ANXIN_CTI_MAX_SKEW_SECONDS", 300)  # X-Anxin-Timestamp this far off is refused

# --- email (notifications arrive with the promises issue) ---------------------------------
EMAIL_BACKEND = os.environ.get("ANXIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("ANXIN_EMAIL_HOST", "localhost")
EMAIL_PORT = envint("ANXIN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("ANXIN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = envsecret("ANXIN_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = envbool("ANXIN_EMAIL_TLS", "0")
DEFAULT_FROM_EMAIL = os.environ.get("ANXIN_FROM_EMAIL", "anxin@localhost")

# --- email intake (A6): the worker fetches this mailbox over IMAP; unset host = no intake ----------------
MAIL_IMAP_HOST = os.environ.get("ANXIN_MAIL_IMAP_HOST", "")
MAIL_IMAP_PORT = envint("ANXIN_MAIL_IMAP_PORT", 993)
MAIL_IMAP_SSL = envbool("ANXIN_MAIL_IMAP_SSL", "1")
MAIL_IMAP_USER = os.environ.get("ANXIN_MAIL_IMAP_USER", "")
MAIL_IMAP_PASSWORD = envsecret("ANXIN_MAIL_IMAP_PASSWORD", "") or ""
MAIL_IMAP_FOLDER = os.environ.get("ANXIN_MAIL_IMAP_FOLDER", "INBOX")
MAIL_IMAP_TIMEOUT = envint("ANXIN_MAIL_IMAP_TIMEOUT", 30)
# the service address customers write to; acknowledgements and milestone mails go out from it
MAIL_ADDRESS = os.environ.get("ANXIN_MAIL_ADDRESS", "").strip().lower()
MAIL_SITE = os.environ.get("ANXIN_MAIL_SITE", "")  # org unit code of the site new mail orders go to
MAIL_FETCH_SECONDS = envint("ANXIN_MAIL_FETCH_SECONDS", 60)
MAIL_FETCH_BATCH = envint("ANXIN_MAIL_FETCH_BATCH", 200)
MAIL_MAX_BYTES = envint("ANXIN_MAIL_MAX_MB", 25) * 1024 * 1024  # larger mail is quarantined unread
MAIL_MAX_PARTS = envint("ANXIN_MAIL_MAX_PARTS", 100)
MAIL_MAX_DEPTH = envint("ANXIN_MAIL_MAX_DEPTH", 10)
MAIL_MAX_RECIPIENTS = envint("ANXIN_MAIL_MAX_RECIPIENTS", 50)
MAIL_MAX_ATTACHMENTS = envint("ANXIN_MAIL_MAX_ATTACHMENTS", 10)
MAIL_ACKS_PER_SENDER_HOUR = envint("ANXIN_MAIL_ACKS_PER_SENDER_HOUR", 5)

# --- notifications (I2): nothing leaves the machine unless these are set ----------------------
# Without a provider, SMS/WeChat requests are written here (one JSON line each) instead of being sent.
NOTIFY_LOG_FILE = os.environ.get("ANXIN_NOTIFY_LOG_FILE", str(VAR_DIR / "notifications.log"))
NOTIFY_HTTP_TIMEOUT = envint("ANXIN_NOTIFY_HTTP_TIMEOUT", 5)
SMS_URL = os.environ.get("ANXIN_SMS_URL", "")  # an HTTP gateway taking {"phone","text","out_id"}
SMS_API_KEY = envsecret("ANXIN_SMS_API_KEY", "") or ""
WECHAT_URL = os.environ.get("ANXIN_WECHAT_URL", "")  # e.g. the template-message endpoint incl. access token
WECHAT_TEMPLATE_ID = os.environ.get("ANXIN_WECHAT_TEMPLATE_ID", "")
# The portal's "messages by WeChat": the service account's web sign-in (snsapi_base) gives the customer's OpenID.
# Unset app id: the portal does not offer WeChat.
WECHAT_APPID = os.environ.get("ANXIN_WECHAT_APPID", "")
WECHAT_SECRET = os.environ.get("ANXIN_WECHAT_SECRET", "")
WECHAT_AUTHORIZE_URL = os.environ.get("ANXIN_WECHAT_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/oauth2/authorize")
WECHAT_TOKEN_URL = os.environ.get("ANXIN_WECHAT_TOKEN_URL", "https://api.weixin.qq.com/sns/oauth2/access_token")
SLA_SWEEP_SECONDS = envint("ANXIN_SLA_SWEEP_SECONDS", 15)
# a row left `sending` by a killed worker is sent again (same out_id) after this long
NOTIFY_CLAIM_TIMEOUT_SECONDS = envint("ANXIN_NOTIFY_CLAIM_TIMEOUT_SECONDS", 300)
REVISIT_DISSATISFIED_AT = envint("ANXIN_REVISIT_DISSATISFIED_AT", 2)  # F3: overall ≤ this reopens the order
RATING_LINK_DAYS = envint("ANXIN_RATING_LINK_DAYS", 14)  # F4: how long a rating link works
# D3: this many complaints of one category at one site within the window raise a batch warning
COMPLAINT_BATCH_COUNT = envint("ANXIN_COMPLAINT_BATCH_COUNT", 3)
COMPLAINT_BATCH_HOURS = envint("ANXIN_COMPLAINT_BATCH_HOURS", 24)
# D3 green channel: complaints from these customer tiers need a senior owner (one of these roles) and are high priority
COMPLAINT_VIP_TIERS = os.environ.get("ANXIN_COMPLAINT_VIP_TIERS", "diamond,5A,4A").split(",")
COMPLAINT_SENIOR_ROLES = ["service_manager", "dept_head", "administrator"]
# D4: the most each role may grant per remedy without approval (yuan); a written apology has amount 0.
# A role missing from a remedy may not propose it at all.
COMPLAINT_LIMITS = {
    "complaint_officer": {"refund": 200, "compensation": 200, "gift": 100, "apology": 0},
    "dept_head": {"refund": 1000, "compensation": 1000, "gift": 500, "apology": 0},
    "service_manager": {"refund": 5000, "compensation": 5000, "gift": 2000, "apology": 0},
    "administrator": {"refund": 20000, "compensation": 20000, "gift": 5000, "apology": 0},
}
# --- field service (issue 3) -------------------------------------------------------------------
FIELD_SPEED_KMH = envint("ANXIN_FIELD_SPEED_KMH", 25)  # city streets, Manhattan distance
FIELD_DEFAULT_TRAVEL_MINUTES = envint("ANXIN_FIELD_DEFAULT_TRAVEL_MINUTES", 20)  # when a place has no coordinates
FIELD_PLAN_SECONDS = envint("ANXIN_FIELD_PLAN_SECONDS", 5)
FIELD_REWORK_DAYS = envint("ANXIN_FIELD_REWORK_DAYS", 30)  # a repeat repair within this many days is rework  # the board's "propose plan" time limit
SIGNATURE_MAX_BYTES = envint("ANXIN_SIGNATURE_MAX_BYTES", 300_000)
TRACKING_LINK_DAYS = envint("ANXIN_TRACKING_LINK_DAYS", 180)  # the QR code on the printed order
# --- customer portal (issue 11) -----------------------------------------------------------------
PORTAL_SLOT_DAYS = envint("ANXIN_PORTAL_SLOT_DAYS", 7)  # working days of appointment slots offered
PORTAL_SLOT_LEAD_HOURS = envint("ANXIN_PORTAL_SLOT_LEAD_HOURS", 2)  # the earliest slot starts this long from now
PORTAL_CHANGE_HOURS = envint("ANXIN_PORTAL_CHANGE_HOURS", 2)  # a visit is moved online up to this long before it
PORTAL_SESSION_SECONDS = envint("ANXIN_PORTAL_SESSION_SECONDS", 2 * 3600)
PORTAL_CODE_MINUTES = envint("ANXIN_PORTAL_CODE_MINUTES", 5)
PORTAL_CODE_MAX_FAILURES = 5  # wrong tries before a code is dead
PORTAL_CODES_PER_PHONE_HOUR = envint("ANXIN_PORTAL_CODES_PER_PHONE_HOUR", 5)
PORTAL_CODES_PER_IP_HOUR = envint("ANXIN_PORTAL_CODES_PER_IP_HOUR", 20)
PORTAL_CODE_GAP_SECONDS = 60  # between two codes to one number
PORTAL_VERIFY_PER_IP_HOUR = envint("ANXIN_PORTAL_VERIFY_PER_IP_HOUR", 30)
PORTAL_TRACK_PER_IP_HOUR = envint("ANXIN_PORTAL_TRACK_PER_IP_HOUR", 20)
PORTAL_TRACK_FAILURES_PER_NUMBER_HOUR = envint("ANXIN_PORTAL_TRACK_FAILURES_PER_NUMBER_HOUR", 5)
PORTAL_PHOTOS_MAX = 6
# I1: non-urgent messages to customers decided in these hours (Beijing time) are sent when they end
CUSTOMER_QUIET_HOURS = (time.fromisoformat(os.environ.get("ANXIN_CUSTOMER_QUIET_FROM", "21:00")),
                        time.fromisoformat(os.environ.get("ANXIN_CUSTOMER_QUIET_TO", "08:00")))

NINJA_PAGINATION_MAX_LIMIT = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ANXIN_LOG_LEVEL", "WARNING")},
}

# B4 retention (years): archives are kept at least this long after their last service, work orders this long
# after they were received; the monthly task proposes what is older for a data officer's review.
RETENTION_ARCHIVE_YEARS = envint("ANXIN_RETENTION_ARCHIVE_YEARS", 3)
RETENTION_ORDER_YEARS = envint("ANXIN_RETENTION_ORDER_YEARS", 5)

# A12: how long a caller waits for a free agent with their language before the general queue takes the call
LANGUAGE_ROUTING_WAIT_SECONDS = envint("ANXIN_LANGUAGE_ROUTING_WAIT_SECONDS", 60)

# Issue 13: roles that must sign in with a second factor (TOTP from an authenticator app), comma-separated role
# names, e.g. "service_manager,administrator"; empty (the default) leaves it optional for everyone.
TOTP_REQUIRED_ROLES = frozenset(r.strip() for r in os.environ.get("ANXIN_TOTP_ROLES", "").split(",") if r.strip())
OTP_TOTP_ISSUER = "安心 Anxin"
