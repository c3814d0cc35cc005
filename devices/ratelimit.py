"""Per-device request limits, counted in the shared cache (Redis in production).

A fixed one-minute window per device, counted with one atomic increment whose
counter expires after its window: with Redis (production and tests) that is a
single pipelined ``INCR`` + ``EXPIRE`` round trip; other caches use ``add``
then ``incr``. Counters live in the cache every web process shares, so the
limit holds across processes and machines; nothing is written to the database.
A device may make up to twice the limit across a window boundary, which is fine
for shielding the portal from a runaway agent.

Bad tokens are counted per client address the same way, so that guessing
tokens (or a fleet misconfigured with a wrong one) is answered 429. A valid
request reads its address's count in the same round trip that counts the
device's request (``admit``): one Redis round trip per device request.
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def count_request(device_id, limit: int, now: float | None = None) -> Verdict:
    """Count one request of ``device_id`` in the current window and say whether it is allowed."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count = _increment(f"ota:ratelimit:device:{device_id}:{window}", timeout=WINDOW_SECONDS * 2)
    return Verdict(allowed=count <= limit, count=count, retry_after=_retry_after(now))


def _failure_key(address: str, now: float) -> str:
    return f"ota:ratelimit:authfail:{address}:{int(now // WINDOW_SECONDS)}"


def _retry_after(now: float) -> int:
    return max(1, math.ceil((int(now // WINDOW_SECONDS) + 1) * WINDOW_SECONDS - now))


@dataclass(frozen=True)
class Admission:
    request: Verdict  # the device's requests this window, this one included
    address: Verdict  # the bad tokens its address sent this window (read only)
    reads: dict  # the cache values asked for with ``also_read``, by key (None when absent)


def admit(device_id, address: str, limit: int, failure_limit: int, now: float | None = None,
          also_read: tuple = ()) -> Admission:
    """Count a device's request and read its address's bad tokens, in one Redis round trip.

    The address is refused once ``failure_limit`` bad tokens came from it this
    window, even with a valid token, so that guessing cannot succeed by persisting.
    The cache keys ``also_read`` are read in the same round trip, for the endpoint
    that needs them next (the check-in's rollout policy generation).
    """
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    device_key, failure_key = f"ota:ratelimit:device:{device_id}:{window}", _failure_key(address, now)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        device_key, failure_key = backend.make_and_validate_key(device_key), backend.make_and_validate_key(failure_key)
        with backend._cache.get_client(device_key, write=True).pipeline(transaction=False) as pipe:
            pipe.incr(device_key).expire(device_key, WINDOW_SECONDS * 2).get(failure_key)
            for key in also_read:
                pipe.get(backend.make_and_validate_key(key))
            count, _, failures, *values = pipe.execute()
        failures = int(failures or 0)
        loads = backend._cache._serializer.loads
        reads = {key: None if value is None else loads(value) for key, value in zip(also_read, values)}
    else:
        count = _increment(device_key, timeout=WINDOW_SECONDS * 2)
        failures = backend.get(failure_key) or 0
        found = backend.get_many(also_read) if also_read else {}
        reads = {key: found.get(key) for key in also_read}
    retry_after = _retry_after(now)
    return Admission(Verdict(count <= limit, count, retry_after),
                     Verdict(failures < failure_limit, failures, retry_after), reads)


def count_failed_authentication(address: str, limit: int, now: float | None = None) -> Verdict:
    """Count one bad token from ``address`` in the current window; past ``limit`` it is refused."""
    now = time.time() if now is None else now
    count = _increment(_failure_key(address, now), timeout=WINDOW_SECONDS * 2)
    return Verdict(count <= limit, count, _retry_after(now))


def _increment(key: str, timeout: int) -> int:
    """Add one to the counter ``key`` (created at 1, expiring ``timeout`` seconds after its last use)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        # Django's RedisCache.incr checks EXISTS first (two round trips, and it
        # refuses missing keys); the raw client does it in one pipelined trip.
        full_key = backend.make_and_validate_key(key)
        with backend._cache.get_client(full_key, write=True).pipeline() as pipe:
            count, _ = pipe.incr(full_key).expire(full_key, timeout).execute()
        return count
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between the two calls: this request opens it again
        backend.add(key, 1, timeout=timeout)
        return 1
