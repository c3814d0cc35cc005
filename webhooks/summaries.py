"""Device update outcomes, counted per release and window in the cache and announced once per window.

A fleet can report thousands of failures a minute; a receiver wants one message
saying so. Each outcome adds one to a cache counter (Redis in production) keyed by
release, window (OTA_WEBHOOK_SUMMARY_WINDOW seconds, a minute by default) and status,
so a device report costs a few cache writes and no row; the first outcome of a
release's window asks for the summary sent when the window ends.
"""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache

from rollouts.models import UpdateStatus
from webhooks.choices import EventType

SUMMARISED = {
    UpdateStatus.FAILED: EventType.DEVICE_UPDATES_FAILED,
    UpdateStatus.ROLLED_BACK: EventType.DEVICE_UPDATES_ROLLED_BACK,
    UpdateStatus.COMMITTED: EventType.DEVICE_UPDATES_COMMITTED,
    UpdateStatus.TIMED_OUT: EventType.DEVICE_UPDATES_TIMED_OUT,
    UpdateStatus.DENIED: EventType.DEVICE_UPDATES_DENIED,  # user consent: counted apart from failures
}
# Counters outlive their minute long enough for a busy worker to read them.
COUNTER_TTL = 3600


def _key(release_id, window: int, status: str) -> str:
    return f"webhooks:device-updates:{release_id}:{window}:{status}"


def current_window() -> int:
    return int(time.time() // settings.OTA_WEBHOOK_SUMMARY_WINDOW)


def window_bounds(window: int) -> tuple[datetime, datetime]:
    length = settings.OTA_WEBHOOK_SUMMARY_WINDOW
    return (datetime.fromtimestamp(window * length, UTC), datetime.fromtimestamp((window + 1) * length, UTC))


def seconds_until_end(window: int) -> float:
    """Until the window ends, and a second more for reports committing late."""
    return max(0.0, (window + 1) * settings.OTA_WEBHOOK_SUMMARY_WINDOW - time.time()) + 1


def count(release_id, status: str, window: int) -> bool:
    """Add one outcome; True when it is the release's first of the window (its summary must be asked for)."""
    key = _key(release_id, window, status)
    cache.add(key, 0, COUNTER_TTL)
    cache.incr(key)
    return cache.add(_key(release_id, window, "summary-asked"), 1, COUNTER_TTL)


def take(release_id, window: int) -> dict[str, int]:
    """The window's counts by status, removed from the cache; statuses nobody reported are left out."""
    keys = {status: _key(release_id, window, status) for status in SUMMARISED}
    found = cache.get_many(keys.values())
    cache.delete_many(keys.values())
    return {status: found[key] for status, key in keys.items() if found.get(key)}
