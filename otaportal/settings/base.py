"""Settings for every environment, read from environment variables only.

Without any variable set the portal runs on embedded defaults: SQLite, local
file storage and a filesystem Celery broker, all under ``var/``.
Variable names follow the libraries that consume them (DESIGN.md).
"""

from datetime import timedelta
from math import ceil
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("OTA_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or (
    "insecure-development-key-only-for-DJANGO_DEBUG" if DEBUG else None
)
if SECRET_KEY is None:
    raise environ.ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for development).")
# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS: on unless DEBUG; `manage.py check --deploy` is clean but for the two HSTS choices
# left to the domain's owner (docs/operations.md, "check --deploy").
# https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
# Only behind a proxy that sets X-Forwarded-Proto itself (docker/nginx.conf); else clients could claim HTTPS.
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False) else None
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as our own static files: /api/docs/ needs no CDN
    "axes",
    # The project-wide pieces: the health check and its `manage.py health`.
    "otaportal",
    "catalog",
    "devices",
    "rollouts",
    # Signed webhooks: listens to the three domain apps, which never import it.
    "webhooks",
    # Four-eyes approval of risky rollout steps: above rollouts (whose entry points submit through it), it
    # sends its webhook events through the webhooks app.
    "approvals",
    # The tamper-evident audit log: captures the changes of every app above, which never import it.
    "audit",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "otaportal.middleware.JsonErrorsOnApiPaths",
    "otaportal.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who changes what through which surface (audit log); after authentication and CSRF.
    "audit.middleware.AuditContextMiddleware",
    # Answers a locked-out admin login (django-axes); last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

# Admin logins: django-axes refuses an address after AXES_FAILURE_LIMIT failed logins, for
# AXES_COOLOFF_TIME hours, counting the address as the portal does (OTA_TRUSTED_PROXY_COUNT).
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_TIME", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "otaportal.ratelimit.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "otaportal.lockout.lockout_response"

ROOT_URLCONF = "otaportal.urls"
WSGI_APPLICATION = "otaportal.wsgi.application"
# Device agents post to paths without a trailing slash; never redirect them.
APPEND_SLASH = False

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
            ],
        },
    },
]

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Persistent connections: a new PostgreSQL connection costs ~7 ms (STACK-NOTES).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-cache-url
# The cache holds rollout policy snapshots and rate-limit counters, which every
# web and worker process must share: never a per-process cache.
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "otaportal.cache.SharedClientRedisCache"
# The device edge's shared store (otaportal/edge.py): rate limits, sessions, stamps, the last-seen
# buffer. Defaults to the cache's Redis; empty (no Redis) makes every device request take the full path.
OTA_EDGE_REDIS_URL = env.str(
    "OTA_EDGE_REDIS_URL",
    default=CACHES["default"]["LOCATION"] if CACHES["default"]["BACKEND"].endswith("RedisCache") else "",
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env.str("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media"))
# A form upload whose body ended before its Content-Length is refused (otaportal/uploads.py).
# https://docs.djangoproject.com/en/5.2/ref/settings/#file-upload-handlers
FILE_UPLOAD_HANDLERS = [
    "otaportal.uploads.CompleteBodyUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Artifact storage: S3 (MinIO in production) when a bucket is named, else local files.
# https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="us-east-1")
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
if AWS_STORAGE_BUCKET_NAME:
    ARTIFACT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            "signature_version": "s3v4",
            "addressing_style": "path",
            "default_acl": None,
            "querystring_auth": True,
            # Artifacts are immutable: a key is never written twice.
            "file_overwrite": False,
        },
    }
else:
    ARTIFACT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(MEDIA_ROOT) / "artifacts"), "allow_overwrite": False},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "artifacts": ARTIFACT_STORAGE,
}

# Largest artifact accepted by uploads, in bytes (IoTDA's documented limit: 1 GB).
OTA_MAX_ARTIFACT_SIZE = env.int("OTA_MAX_ARTIFACT_SIZE", default=1024**3)
# Slowest storage read verification is budgeted for, in bytes per second: the task's time limit
# (and so the broker's redelivery of a dead worker's task) derives from it.
OTA_VERIFICATION_MIN_THROUGHPUT = env.int("OTA_VERIFICATION_MIN_THROUGHPUT", default=20 * 1000**2)

# https://docs.celeryq.dev/en/stable/userguide/configuration.html
# Hard limit of a task: verifying the largest artifact at the slowest budgeted throughput, plus 5 minutes.
CELERY_TASK_TIME_LIMIT = env.int(
    "CELERY_TASK_TIME_LIMIT", default=ceil(OTA_MAX_ARTIFACT_SIZE / OTA_VERIFICATION_MIN_THROUGHPUT) + 300
)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
# "localhost" names no server (the broker is a folder); without it kombu warns "No hostname was supplied".
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_folder = VAR_DIR / "celery-broker"
    # The embedded broker is a folder every process shares; it must exist before the first task.
    for _folder in ("processed", "control"):
        (_broker_folder / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder),
        "data_folder_out": str(_broker_folder),
        "processed_folder": str(_broker_folder / "processed"),
        # Exchange tables; kombu's default is a "control" folder in the working directory.
        "control_folder": str(_broker_folder / "control"),
        "store_processed": False,
    }
else:
    # A task whose worker died is redelivered after this many seconds (late ack): longer than
    # any task may run, or a live task would be delivered twice. The sweep recovers sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 60),
        # How often workers look for unacknowledged messages to redeliver.
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=60),
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
# Every task is acknowledged once it has run, and delivered again when its worker dies mid-task: set
# here for all tasks, never per task, so every task must be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Last-seen and last-used times are buffered in the edge store and written to the database this often.
OTA_LAST_USE_FLUSH_SECONDS = env.int("OTA_LAST_USE_FLUSH_SECONDS", default=10)
CELERY_BEAT_SCHEDULE = {
    "requeue-stuck-verifications": {
        "task": "catalog.tasks.requeue_stuck_artifacts",
        "schedule": timedelta(minutes=1),
    },
    "advance-due-rollout-phases": {
        "task": "rollouts.tasks.advance_due_phases",
        "schedule": timedelta(minutes=1),
    },
    # Updates stuck past their rollout's download or install timeout (rollouts.services.timeouts).
    "time-out-stalled-updates": {
        "task": "rollouts.tasks.time_out_stalled_updates",
        "schedule": timedelta(minutes=1),
    },
    # The success counts that grow rate budgets, kept in the edge store, set from SQL (rollouts.services.budget).
    "recount-budget-successes": {
        "task": "rollouts.tasks.recount_budget_successes",
        "schedule": timedelta(minutes=1),
    },
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks",
        "schedule": timedelta(minutes=1),
    },
    "prune-webhook-log": {
        "task": "webhooks.tasks.prune_webhook_log",
        "schedule": timedelta(days=1),
    },
    "write-buffered-last-uses": {
        "task": "otaportal.tasks.write_last_uses",
        "schedule": timedelta(seconds=OTA_LAST_USE_FLUSH_SECONDS),
    },
    "refresh-tuf-repositories": {
        "task": "catalog.tasks.refresh_tuf_repositories",
        "schedule": timedelta(hours=1),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat records each wake-up for the health check (otaportal.beat); it wakes at least this often.
CELERY_BEAT_SCHEDULER = "otaportal.beat:TickRecordingScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 30

# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["catalog.api.authentication.BearerTokenAuthentication"],
    # Deny by default: a view names the scopes each method needs (catalog.api.permissions).
    "DEFAULT_PERMISSION_CLASSES": [
        "catalog.api.permissions.ModelPermissions",
        "catalog.api.permissions.TokenScopes",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "otaportal.rest.LimitedJSONParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "otaportal.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "otaportal.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "OTA portal API",
    "DESCRIPTION": "Version catalog, IoTDA-style packages, Kaa OTAO software, device files, "
    "check-in and feedback, and hawkBit DDI.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files, not a CDN: /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RolloutStrategyEnum": "rollouts.models.Strategy",
        "DdiHandlingEnum": "rollouts.api.ddi.serializers.HANDLING_TYPES",
    },
    # The errors every operation can answer (400, 401, 403, 404, 429), in its surface's shape.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rollouts.api.openapi.add_common_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"botocore": {"level": "WARNING"}, "boto3": {"level": "WARNING"}},
}

# The portal's own settings (OTA_*), read from the environment the same way.
from otaportal.settings.portal import *  # noqa: E402,F401,F403
