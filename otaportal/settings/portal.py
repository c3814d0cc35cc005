"""The portal's own settings (OTA_*), read from environment variables only; each is listed in docs/operations.md.

``base`` imports them all; those that other settings derive from (OTA_MAX_ARTIFACT_SIZE, the edge store's
Redis, the last-use flush) stay in ``base`` beside what they shape.
"""

from datetime import timedelta

import environ

env = environ.Env()

# Product key used by the version catalog API when a request names none.
OTA_DEFAULT_PRODUCT = env.str("OTA_DEFAULT_PRODUCT", default="default")
# (OTA_MAX_ARTIFACT_SIZE is set above the Celery settings, whose time limit derives from it.)
# A verification writes a heartbeat to its row this often while it reads; the sweep re-queues
# artifacts "verifying" without one (or "pending") for OTA_VERIFICATION_STUCK_AFTER, oldest first,
# at most OTA_VERIFICATION_REQUEUE_BATCH a run (every minute).
OTA_VERIFICATION_HEARTBEAT = timedelta(seconds=env.float("OTA_VERIFICATION_HEARTBEAT", default=30))
OTA_VERIFICATION_STUCK_AFTER = timedelta(seconds=env.int("OTA_VERIFICATION_STUCK_AFTER", default=300))
OTA_VERIFICATION_REQUEUE_BATCH = env.int("OTA_VERIFICATION_REQUEUE_BATCH", default=200)
# The health check (otaportal.health): seconds each check may take, and the age at which
# beat's last tick counts as stale (beat wakes every CELERY_BEAT_MAX_LOOP_INTERVAL seconds).
OTA_HEALTH_TIMEOUT = env.float("OTA_HEALTH_TIMEOUT", default=2.0)
OTA_HEALTH_BEAT_STALE_AFTER = env.int("OTA_HEALTH_BEAT_STALE_AFTER", default=120)
# GET /health/ answers from a report at most this old: a flood of probes costs one report per period.
OTA_HEALTH_CACHE_SECONDS = env.int("OTA_HEALTH_CACHE_SECONDS", default=5)
# Bytes read per chunk when streaming artifacts (verification and downloads).
OTA_STREAM_CHUNK_SIZE = env.int("OTA_STREAM_CHUNK_SIZE", default=8 * 1024 * 1024)
# With S3 storage, answer downloads with a 302 to a presigned URL instead of streaming.
OTA_DOWNLOAD_REDIRECT = env.bool("OTA_DOWNLOAD_REDIRECT", default=False)
# Lifetime of presigned and portal-signed download links, in seconds.
OTA_DOWNLOAD_URL_TTL = env.int("OTA_DOWNLOAD_URL_TTL", default=900)
# Lifetime of the download links the Kaa API gives (GET .../files/{fileName}/links), in seconds.
OTA_KAA_LINK_TTL = env.int("OTA_KAA_LINK_TTL", default=3600)
# How long each role's signed TUF metadata stays valid, in seconds (docs/tuf.md). Beat signs a role
# again once less than half of its period is left, so a device offline longer than the timestamp's
# period must reach the portal again before it trusts an update.
OTA_TUF_ROOT_EXPIRY = timedelta(seconds=env.int("OTA_TUF_ROOT_EXPIRY", default=365 * 86400))
OTA_TUF_TARGETS_EXPIRY = timedelta(seconds=env.int("OTA_TUF_TARGETS_EXPIRY", default=30 * 86400))
OTA_TUF_SNAPSHOT_EXPIRY = timedelta(seconds=env.int("OTA_TUF_SNAPSHOT_EXPIRY", default=7 * 86400))
OTA_TUF_TIMESTAMP_EXPIRY = timedelta(seconds=env.int("OTA_TUF_TIMESTAMP_EXPIRY", default=86400))
# Largest allowed clock skew for SDK-HMAC-SHA256 signed requests.
OTA_SIGNATURE_MAX_SKEW = timedelta(minutes=15)
# Buckets (or folders under the media root) besides the artifact bucket that IoTDA-style
# packages may name in obs_location: the portal reads and serves them with its own credentials.
OTA_PACKAGE_BUCKETS = env.list("OTA_PACKAGE_BUCKETS", default=[])
# Bad credentials (device, gateway and management tokens, SDK-HMAC signatures, Kaa download
# links) one client address may send per minute before it is answered 429 (otaportal/ratelimit.py).
OTA_AUTH_FAILURE_LIMIT = env.int("OTA_AUTH_FAILURE_LIMIT", default=30)
# Reverse proxies in front of the portal that append to X-Forwarded-For (docker-compose: nginx, 1);
# 0 trusts no forwarded header and records REMOTE_ADDR.
OTA_TRUSTED_PROXY_COUNT = env.int("OTA_TRUSTED_PROXY_COUNT", default=0)
# Requests a device may make per minute before it is answered 429.
OTA_DEVICE_RATE_LIMIT = env.int("OTA_DEVICE_RATE_LIMIT", default=120)
# A device session (its identity and remembered answers) is kept this long after its last full request.
OTA_DEVICE_SESSION_SECONDS = env.int("OTA_DEVICE_SESSION_SECONDS", default=86400)
# A remembered idle answer is served at most this long (changes make it stale at once anyway).
OTA_IDLE_ANSWER_SECONDS = env.int("OTA_IDLE_ANSWER_SECONDS", default=3600)
# Seconds a product's cached rollout policy lives at most (changes invalidate it at once anyway).
OTA_POLICY_CACHE_TTL = env.int("OTA_POLICY_CACHE_TTL", default=300)
# A phase's thresholds are judged once at least this many of its updates have an outcome.
OTA_ROLLOUT_MIN_OUTCOMES = env.int("OTA_ROLLOUT_MIN_OUTCOMES", default=1)
# Device filter previews count exactly when PostgreSQL can within this many milliseconds,
# else they answer the planner's estimate and say so.
OTA_PREVIEW_EXACT_TIMEOUT_MS = env.int("OTA_PREVIEW_EXACT_TIMEOUT_MS", default=500)
# The admin dashboard (rollouts/services/fleet_census.py, docs/admin.md): fleets of up to this many
# devices are counted exactly by installed version, larger ones from a sample of about this many rows;
# the count is cached for OTA_DASHBOARD_CACHE_SECONDS.
OTA_DASHBOARD_CENSUS_ROWS = env.int("OTA_DASHBOARD_CENSUS_ROWS", default=50_000)
OTA_DASHBOARD_CACHE_SECONDS = env.int("OTA_DASHBOARD_CACHE_SECONDS", default=60)
# Tenant path segment of the hawkBit DDI API.
OTA_DDI_TENANT = env.str("OTA_DDI_TENANT", default="DEFAULT")
# Webhooks (docs/operations.md, "Webhooks"): seconds to connect and, again, to answer; the delays
# between attempts (Standard Webhooks' schedule: about 27 h); failed messages in a row that disable a
# subscription; retries due within OTA_WEBHOOK_COUNTDOWN_LIMIT seconds are queued at once, later ones by
# the minute sweep (at most OTA_WEBHOOK_SWEEP_BATCH a run). OTA_WEBHOOK_ALLOWED_HOSTS: empty allows any host.
OTA_WEBHOOK_TIMEOUT = env.float("OTA_WEBHOOK_TIMEOUT", default=5.0)
OTA_WEBHOOK_RETRY_SCHEDULE = env.list(
    "OTA_WEBHOOK_RETRY_SCHEDULE", cast=float, default=[5, 300, 1800, 7200, 18000, 36000, 36000]
)
OTA_WEBHOOK_DISABLE_AFTER = env.int("OTA_WEBHOOK_DISABLE_AFTER", default=5)
OTA_WEBHOOK_COUNTDOWN_LIMIT = env.int("OTA_WEBHOOK_COUNTDOWN_LIMIT", default=60)
OTA_WEBHOOK_SWEEP_BATCH = env.int("OTA_WEBHOOK_SWEEP_BATCH", default=500)
OTA_WEBHOOK_ALLOWED_HOSTS = env.list("OTA_WEBHOOK_ALLOWED_HOSTS", default=[])
# Device update outcomes (failed, rolled back, committed) are summarised per rollout over windows this long.
OTA_WEBHOOK_SUMMARY_WINDOW = env.int("OTA_WEBHOOK_SUMMARY_WINDOW", default=60)
# Finished deliveries (and their events) are deleted this long after they finished.
OTA_WEBHOOK_LOG_RETENTION = timedelta(days=env.int("OTA_WEBHOOK_LOG_RETENTION_DAYS", default=30))
# Limits of every free JSON field (specification, metadata, attributes, conditions…; otaportal.json_limits):
# levels of nesting, keys in one object, keys and values in all, bytes as compact JSON.
# Request bodies may nest a few levels deeper than a field, and never hold NUL (\u0000).
OTA_JSON_MAX_DEPTH = env.int("OTA_JSON_MAX_DEPTH", default=32)
OTA_JSON_MAX_KEYS = env.int("OTA_JSON_MAX_KEYS", default=256)
OTA_JSON_MAX_VALUES = env.int("OTA_JSON_MAX_VALUES", default=10000)
OTA_JSON_MAX_BYTES = env.int("OTA_JSON_MAX_BYTES", default=64 * 1024)
