"""Settings for the test suite: real PostgreSQL, Redis and an S3 server on loopback.

The S3 server is started by the test fixtures (tests/fixtures/s3.py) on the port
chosen here, so that worker processes started by tests inherit the same endpoint.
"""

import os
import socket


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("CACHE_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("OTA_TEST_S3_PORT", str(_free_port()))
os.environ.setdefault("AWS_S3_ENDPOINT_URL", f"http://127.0.0.1:{os.environ['OTA_TEST_S3_PORT']}")
os.environ.setdefault("AWS_STORAGE_BUCKET_NAME", "ota-artifacts")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("CELERY_VISIBILITY_TIMEOUT", "5")
os.environ.setdefault("CELERY_UNACKED_RESTORE_INTERVAL", "1")
# Test clients, live servers and device agents talk plain HTTP to 127.0.0.1.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
# The first storage check builds a boto3 client, which takes seconds on a loaded 2-core machine.
os.environ.setdefault("OTA_HEALTH_TIMEOUT", "10")

from .base import *  # noqa: E402,F403
from .base import DATABASES, env  # noqa: E402

# Parallel test runs on one machine keep apart by naming their own database.
DATABASES["default"]["TEST"] = {"NAME": env.str("OTA_TEST_DATABASE_NAME", default="test_otaportal")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OTA_DEVICE_RATE_LIMIT = 10_000
