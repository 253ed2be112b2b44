"""Settings for golfshots: one module, read from the environment.

With no variables set this is the embedded default (SQLite under ``var/``,
local-memory cache, eager Celery, media under ``var/media/``, DEBUG on).
Production sets ``SECRET_KEY``, ``DATABASE_URL``, ``REDIS_URL``, ``ALLOWED_HOSTS``
and ``DEBUG=false``. Every variable is listed in ``docs/operations.md``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from golfshots.env import Env

env = Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.string("VAR_DIR", str(BASE_DIR / "var")))

# --- Core ------------------------------------------------------------------

# Without a SECRET_KEY we are a local run: DEBUG defaults on and a fixed,
# clearly-insecure key is used. Turning DEBUG off demands a real key.
_SECRET_KEY_FROM_ENV = env.string("SECRET_KEY")
DEBUG = env.boolean("DEBUG", default=not _SECRET_KEY_FROM_ENV)
if not _SECRET_KEY_FROM_ENV and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
SECRET_KEY = _SECRET_KEY_FROM_ENV or "django-insecure-local-development-key-do-not-deploy"

ALLOWED_HOSTS = env.string_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_prometheus",
    "accounts",
    "retailers",
    "shots",
    "leaderboards",
    "analytics",
    "console",
    "demo",
]

MIDDLEWARE = [
    "golfshots.middleware.RequestLogMiddleware",
    "golfshots.middleware.PlatformEndpointsMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "golfshots.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "golfshots.middleware.BadInputMiddleware",  # 400 for NUL in the URL, an incomplete body
    # Outside every middleware that reads the session or the user, so a lost
    # database answers 503 wherever it is noticed (golfshots/middleware.py).
    "golfshots.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as axes asks: turns a locked-out log-in into its page (accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "golfshots.urls"
WSGI_APPLICATION = "golfshots.wsgi.application"

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
                # The header's "My golf" / "Store console" switch (cached per user).
                "retailers.context_processors.staff_stores",
            ],
            # Django's date and time filters, surviving a stored time at the
            # calendar's ends (year 1 has no New York time): see the module.
            "builtins": ["golfshots.local_time"],
        },
    },
]

# --- Database --------------------------------------------------------------

DATABASE_URL = env.url("DATABASE_URL", schemes={"postgres", "postgresql"})


def _postgres(url: str) -> dict[str, Any]:
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=0, conn_health_checks=True)
    )
    # Django's native psycopg pool: persistent connections (CONN_MAX_AGE)
    # must stay 0 when the pool is on; the pool does the reuse. The engine is
    # django-prometheus' with a circuit breaker (golfshots/backends/postgresql/).
    config["ENGINE"] = "golfshots.backends.postgresql"
    config["OPTIONS"] = {
        "pool": {
            "min_size": env.integer("DB_POOL_MIN_SIZE", 1, minimum=0),
            "max_size": env.integer("DB_POOL_MAX_SIZE", 8, minimum=1),
            # A sync worker holds one connection at a time and the pool keeps
            # one open, so a healthy pool hands it out in milliseconds; waiting
            # longer only stalls the instance while PostgreSQL is down (503
            # within a second instead). Raise it for a database many round
            # trips away, whose new connections take longer to open.
            "timeout": env.float("DB_POOL_TIMEOUT", 0.5, minimum=0.1),
        },
        # libpq's smallest effective value: a black-holed network costs one
        # probe 2 s, not every request.
        "connect_timeout": env.integer("DB_CONNECT_TIMEOUT", 2, minimum=1),
    }
    return config


# After a failed connection, requests skip PostgreSQL (503 at once) for this
# long before one probes it again (golfshots/backends/postgresql/base.py).
DB_BREAKER_SECONDS = env.float("DB_BREAKER_SECONDS", 1.0, minimum=0.1)


if DATABASE_URL:
    DATABASES = {"default": _postgres(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django_prometheus.db.backends.sqlite3",
            "NAME": VAR_DIR / "golfshots.sqlite3",
            "OPTIONS": {
                # WAL lets the eager analysis and page views read while one writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ----------------------------------------------------

REDIS_URL = env.url("REDIS_URL", schemes={"redis", "rediss"})
# After a Redis timeout or connection error, cache calls and enqueues skip
# that Redis for this long before one probes it (golfshots/circuit_breaker.py).
REDIS_BREAKER_SECONDS = env.float("REDIS_BREAKER_SECONDS", 5.0, minimum=0.1)

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.string("CACHE_KEY_PREFIX", "golfshots"),
            "TIMEOUT": 300,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Every command through a circuit breaker: a hung Redis costs one
                # socket timeout per REDIS_BREAKER_SECONDS, not one per call.
                "REDIS_CLIENT_CLASS": "golfshots.redis_breaker.BreakerRedis",
                # Fail open: a Redis outage makes the cache miss, never a 500.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", 0.5, minimum=0.05),
                "SOCKET_TIMEOUT": env.float("REDIS_SOCKET_TIMEOUT", 0.5, minimum=0.05),
            },
        }
    }
    # Off: during an outage it logged a traceback per cache call (1.35 MB in
    # 20 s). The breaker logs one line when Redis stops answering and one when
    # it answers again, and counts the skipped calls.
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# cached_db: the database is the source of truth, so a Redis outage logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth ------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
# Staff land on their console, golfers on their home (retailers.join_views.after_login).
LOGIN_REDIRECT_URL = "stores:after_login"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # The site's name, the README's demo password, golf words (accounts/site_passwords.txt).
    {"NAME": "accounts.password_validation.SitePasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The client's address (accounts.requests.client_ip, the one rule for it): the
# peer, unless the peer is one of FORWARDED_ALLOW_IPS, the proxies gunicorn
# trusts too (gunicorn.conf.py reads the same variable; "*" = any peer). Then
# it is the address that the outermost of TRUSTED_PROXY_HOPS proxies appended
# to X-Forwarded-For; what the client wrote there itself is ignored.
_FORWARDED_ALLOW_ANY = env.string("FORWARDED_ALLOW_IPS").strip() == "*"
FORWARDED_ALLOW_IPS = (
    "*"
    if _FORWARDED_ALLOW_ANY
    else env.networks("FORWARDED_ALLOW_IPS")
    if env.is_set("FORWARDED_ALLOW_IPS")
    else [ip_network("127.0.0.1"), ip_network("::1")]
)
TRUSTED_PROXY_HOPS = env.integer("TRUSTED_PROXY_HOPS", 1, minimum=0)

# Log-in lockout (django-axes, accounts/lockout.py) on the log-in page, Django
# admin and the API's token endpoint. Failures are kept in the database, so a
# Redis outage changes nothing; each counts for LOGIN_LOCKOUT_MINUTES after the last.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # first: refuses a locked-out client before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.lockout.LoginLockoutHandler"
# One username from one address; then any usernames from one address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_FAILURE_LIMIT = env.integer("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.integer("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 30, minimum=1)
if LOGIN_FAILURE_LIMIT_PER_ADDRESS < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT_PER_ADDRESS must be at least LOGIN_FAILURE_LIMIT."
    )
AXES_COOLOFF_TIME = timedelta(minutes=env.integer("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# Tries while locked out are refused unchecked and do not restart the wait,
# so "try again in N minutes" holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful log-in clears that username's failures from that address only
# (LoginLockoutHandler.reset_user_attempts).
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "accounts.requests.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# No row per successful log-in: the failures are what lockout needs, and the
# request log already records every log-in request.
AXES_DISABLE_ACCESS_LOG = True

EMAIL_BACKEND = env.string("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "golfshots <noreply@localhost>")

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.string("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.string("MEDIA_ROOT", str(VAR_DIR / "media")))


def _s3_media(bucket: str) -> dict:
    """Shot photos in a private bucket, so web and worker processes share no disk.

    Credentials are not read here: boto3 finds AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY in the environment, or the platform's instance role.
    """
    from botocore.config import Config as BotoConfig  # only S3 deployments pay for botocore

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.url("AWS_S3_ENDPOINT_URL", schemes={"http", "https"}) or None,
            "region_name": env.string("AWS_S3_REGION_NAME") or None,
            # A prefix, so the bucket can hold other things and a copy of
            # MEDIA_ROOT lands under the same names.
            "location": "media",
            # No ACL: objects stay private to the bucket owner. Browsers get a
            # photo only through shots/photos.py, as a short-lived signed URL.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.integer("AWS_QUERYSTRING_EXPIRE", 60, minimum=1),
            "client_config": BotoConfig(
                # botocore presigns with the legacy SigV2 against a custom
                # endpoint; SigV4 is what every region and provider accepts.
                signature_version="s3v4",
                # botocore waits 60 s per try by default: an upload request
                # would hold a web worker for minutes while S3 hangs.
                connect_timeout=5,
                read_timeout=20,
                retries={"mode": "standard", "max_attempts": 3},
            ),
            # Names are random already; never replace another shot's photo.
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "private, max-age=3600"},
        },
    }


_MEDIA_BUCKET = env.string("AWS_STORAGE_BUCKET_NAME")
STORAGES = {
    "default": (
        _s3_media(_MEDIA_BUCKET)
        if _MEDIA_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Celery ----------------------------------------------------------------

CELERY_BROKER_URL = env.url(
    "CELERY_BROKER_URL", schemes={"redis", "rediss", "amqp"}, default=REDIS_URL
)
# No broker means the embedded default: tasks run in-process (after commit).
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
# With eager tasks, read photos on one background thread in the web process
# (shots/background.py) so an upload answers at once instead of waiting through
# the OCR. On by default for the embedded default only; with a broker the
# worker does this, and tests that turn eager on keep the analysis in-request.
ANALYSIS_IN_BACKGROUND = env.boolean(
    "ANALYSIS_IN_BACKGROUND", default=CELERY_TASK_ALWAYS_EAGER and not CELERY_BROKER_URL
)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Publishing waits at most socket_timeout per try, and tries twice (a dropped
# connection is retried once); then golfshots.celery's breaker skips the broker
# for REDIS_BREAKER_SECONDS and the sweeper sends the shot later.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING above (JSON in production, with request ids)
# instead of Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST API --------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's three, with JSON refusing deep nesting and NUL (golfshots/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "golfshots.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "golfshots.api.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        # Keyed by the one trusted-proxy rule (accounts.requests.client_ip),
        # not DRF's default, which believes any X-Forwarded-For.
        "accounts.throttles.ClientAddressAnonThrottle",
        "accounts.throttles.SignedInUserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.string("API_THROTTLE_ANON", "60/minute"),
        "user": env.string("API_THROTTLE_USER", "600/minute"),
    },
    "EXCEPTION_HANDLER": "golfshots.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "UPDATE_LAST_LOGIN": False,
    # Each refresh token works once: refreshing answers a new one and
    # blacklists the old (rest_framework_simplejwt.token_blacklist).
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    # Tokens carry a hash of the password hash: after a password change the
    # access tokens issued before it stop working too, not only the refresh
    # tokens (revoked by accounts.services.user_set_password).
    "CHECK_REVOKE_TOKEN": True,
    # accounts/api.py: lockout on the token endpoint, a lock around rotation.
    "TOKEN_OBTAIN_SERIALIZER": "accounts.api.TokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.api.TokenRefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "golfshots API",
    "DESCRIPTION": (
        "Shots, personal bests and leaderboards. All metrics use canonical units: "
        "speeds mph, distances yards, apex feet, spin rpm, angles degrees, time seconds; "
        "negative lateral values are left."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The enum hook is drf-spectacular's default; ours documents every error answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "golfshots.api.document_error_responses",
    ],
    # Shots carry every trust level; board rows only the ones that rank.
    "ENUM_NAME_OVERRIDES": {
        "ShotTrustEnum": "shots.models.ShotTrust",
        "RankedTrustEnum": "shots.models.RANKABLE_CHOICES",
    },
}

# --- Security (production) --------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", default=not DEBUG)
# /healthz, /readyz and /metrics answer plain HTTP inside the platform: they
# are served by golfshots.middleware.PlatformEndpointsMiddleware, ahead of the redirect.
SECURE_HSTS_SECONDS = env.integer(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.boolean("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.boolean("SECURE_HSTS_PRELOAD", default=False)
# Preloading is a near-permanent promise for the whole domain, so the operator
# opts in with SECURE_HSTS_PRELOAD=true; the check would otherwise fail every deploy.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# django-csp, through golfshots.security_headers (which also sends Permissions-Policy
# and adds the photo bucket, the error page's style and /admin/'s inline styles).
# No inline script or style anywhere else: data for scripts goes in json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Logging ---------------------------------------------------------------

# JSON lines in production (one object per line, for the platform's log
# search); readable lines on a developer's terminal. Every record carries the
# request id of the request or task it belongs to (golfshots/logs.py).
LOG_FORMAT = env.choice(
    "LOG_FORMAT", choices={"json", "plain"}, default="plain" if DEBUG else "json"
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "golfshots.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "golfshots.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # RequestLogMiddleware writes one line per request, with the request id
        # and the user; Django's own line for 4xx/5xx would say it twice.
        "django.request": {"level": "ERROR"},
        # axes writes three INFO lines per log-in; a lockout is a WARNING.
        "axes": {"level": "WARNING"},
    },
}

# --- Metrics -----------------------------------------------------------------

# /metrics (golfshots.views.metrics) answers a scraper that sends
# "Authorization: Bearer <METRICS_TOKEN>" or comes from METRICS_ALLOWED_IPS.
# With neither set it is open in debug and absent (404) in production.
METRICS_TOKEN = env.string("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env.networks("METRICS_ALLOWED_IPS")

# --- golfshots ---------------------------------------------------------------

SHOTS_PER_PAGE = 25

# --- Analysers ---------------------------------------------------------------

OPENAI_API_KEY = env.string("OPENAI_API_KEY")
OPENAI_MODEL = env.string("OPENAI_MODEL", "gpt-4o-mini")
# Empty: the SDK's own default (api.openai.com). Tests point it at a fake server.
OPENAI_BASE_URL = env.url("OPENAI_BASE_URL", schemes={"http", "https"})
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", 30.0, minimum=1.0)


# USD per million tokens; the defaults are gpt-4o-mini's list prices.
OPENAI_PRICE_INPUT_PER_MTOK = env.decimal("OPENAI_PRICE_INPUT_PER_MTOK", "0.15", minimum=Decimal(0))
OPENAI_PRICE_OUTPUT_PER_MTOK = env.decimal(
    "OPENAI_PRICE_OUTPUT_PER_MTOK", "0.60", minimum=Decimal(0)
)

# "auto" is resolved here, so the rest of the code only ever sees "ocr" or "openai".
SHOT_ANALYSER = env.choice("SHOT_ANALYSER", choices={"auto", "ocr", "openai"}, default="auto")
if SHOT_ANALYSER == "auto":
    SHOT_ANALYSER = "openai" if OPENAI_API_KEY else "ocr"
if SHOT_ANALYSER == "openai" and not OPENAI_API_KEY:
    raise ImproperlyConfigured("SHOT_ANALYSER=openai needs OPENAI_API_KEY.")
# Threads the local OCR analyser's model uses per process. One: a worker child
# then takes one core (WORKER_CONCURRENCY children, that many cores), and in the
# embedded default the web keeps the other; more only spin on shared cores
# (docs/performance.md, "Photo analysis time, 2026-12-03").
OCR_THREADS = env.integer("OCR_THREADS", 1, minimum=1)

# Shot photo uploads (shots/images.py): bigger files or pixel counts are
# refused before decoding, so one upload cannot exhaust a web worker's memory.
SHOT_UPLOAD_MAX_BYTES = env.integer("SHOT_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
SHOT_UPLOAD_MAX_PIXELS = env.integer("SHOT_UPLOAD_MAX_PIXELS", 50_000_000, minimum=1)
# Most memory one photo's decode and shrink may take, estimated from its header
# (docs/performance.md, "Memory per photo format"): 200 MiB lets a 12 MP WebP,
# PNG or HEIC through and refuses a 49 MP one; JPEG decodes at reduced scale.
SHOT_UPLOAD_MAX_DECODE_BYTES = env.integer(
    "SHOT_UPLOAD_MAX_DECODE_BYTES", 200 * 1024 * 1024, minimum=1
)

# --- Shot analysis pipeline --------------------------------------------------

# Attempts per shot (task retries and sweeper re-runs together); after the
# last one the shot waits for the golfer as needs_review, never deleted.
ANALYSIS_MAX_ATTEMPTS = env.integer("ANALYSIS_MAX_ATTEMPTS", 4, minimum=1)
# Retries after a timeout, 429 or 5xx: each between half and all of base × 2^n
# (about 14–28 min over three retries), then hourly for a day (retry_later).
ANALYSIS_RETRY_BASE_SECONDS = env.float("ANALYSIS_RETRY_BASE_SECONDS", 240.0, minimum=0.0)
ANALYSIS_RETRY_MAX_SECONDS = env.float("ANALYSIS_RETRY_MAX_SECONDS", 1800.0, minimum=0.0)
ANALYSIS_RETRY_LATER_SECONDS = env.integer("ANALYSIS_RETRY_LATER_SECONDS", 3600, minimum=60)
ANALYSIS_RETRY_LATER_FOR_SECONDS = env.integer("ANALYSIS_RETRY_LATER_FOR_SECONDS", 86400, minimum=0)
# An attempt renews its lease on the shot while it works; one that lapsed is
# dead (a killed worker) and the shot is taken over. Bounds crash recovery.
ANALYSIS_LEASE_SECONDS = env.integer("ANALYSIS_LEASE_SECONDS", 30, minimum=6)
# A shot still received/queued/analyzing this long after its last change is
# stuck (a worker died or the broker lost the message) and is re-enqueued.
ANALYSIS_STUCK_AFTER_SECONDS = env.integer("ANALYSIS_STUCK_AFTER_SECONDS", 300, minimum=10)
ANALYSIS_TIME_LIMIT_SECONDS = env.integer("ANALYSIS_TIME_LIMIT_SECONDS", 120, minimum=5)
if ANALYSIS_STUCK_AFTER_SECONDS <= ANALYSIS_TIME_LIMIT_SECONDS + 15:
    # Otherwise the sweeper re-queues shots that are still being read and we pay twice.
    raise ImproperlyConfigured(
        "ANALYSIS_STUCK_AFTER_SECONDS must be longer than ANALYSIS_TIME_LIMIT_SECONDS + 15 "
        f"({ANALYSIS_TIME_LIMIT_SECONDS + 15} s)."
    )

CELERY_TASK_ROUTES = {"shots.tasks.analyze_shot": {"queue": "analysis"}}
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-shots": {"task": "shots.tasks.requeue_stuck_shots", "schedule": 60.0},
}

# --- Analytics read replica ----------------------------------------------------

# Analytics reads (golfshots/db_replica.py) go to this PostgreSQL replica when it is
# set, and fall back to the primary while it is down; everything else, and
# every write, uses DATABASE_URL.
DATABASE_REPLICA_URL = env.url("DATABASE_REPLICA_URL", schemes={"postgres", "postgresql"})
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL (the primary).")
    DATABASES["replica"] = _postgres(DATABASE_REPLICA_URL)
    # A replica that is down must cost a page little before the primary answers.
    DATABASES["replica"]["OPTIONS"]["pool"]["timeout"] = 2.0
    DATABASES["replica"]["OPTIONS"]["connect_timeout"] = 2
    # Tests read "replica" from the primary's test database instead.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["golfshots.db_router.PrimaryReplicaRouter"]

# --- Stores -----------------------------------------------------------------------

# How long a staff invitation link stays valid (it also works only once).
STAFF_INVITE_MAX_AGE_DAYS = env.integer("STAFF_INVITE_MAX_AGE_DAYS", 7, minimum=1)
