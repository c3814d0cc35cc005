"""Per-device request limits, counted in the shared cache (Redis in production).

A fixed one-minute window per device, counted with one atomic increment whose
counter expires after its window: with Redis (production and tests) that is a
single pipelined ``INCR`` + ``EXPIRE`` round trip; other caches use ``add``
then ``incr``. Counters live in the cache every web process shares, so the
limit holds across processes and machines; nothing is written to the database.
A device may make up to twice the limit across a window boundary, which is fine
for shielding the portal from a runaway agent.

Bad tokens are counted per client address (otaportal.ratelimit), so that
guessing tokens (or a fleet misconfigured with a wrong one) is answered 429. A
valid request reads its address's count in the same round trip that counts the
device's request (``admit``): one Redis round trip per device request.
"""

import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from otaportal.ratelimit import WINDOW_SECONDS, Verdict, failure_key, increment, retry_after


def count_request(device_id, limit: int, now: float | None = None) -> Verdict:
    """Count one request of ``device_id`` in the current window and say whether it is allowed."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    count = increment(f"ota:ratelimit:device:{device_id}:{window}", timeout=WINDOW_SECONDS * 2)
    return Verdict(allowed=count <= limit, count=count, retry_after=retry_after(now))


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
    device_key, address_key = f"ota:ratelimit:device:{device_id}:{window}", failure_key(address, now)
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        device_key, address_key = backend.make_and_validate_key(device_key), backend.make_and_validate_key(address_key)
        with backend._cache.get_client(device_key, write=True).pipeline(transaction=False) as pipe:
            pipe.incr(device_key).expire(device_key, WINDOW_SECONDS * 2).get(address_key)
            for key in also_read:
                pipe.get(backend.make_and_validate_key(key))
            count, _, failures, *values = pipe.execute()
        failures = int(failures or 0)
        loads = backend._cache._serializer.loads
        reads = {key: None if value is None else loads(value) for key, value in zip(also_read, values)}
    else:
        count = increment(device_key, timeout=WINDOW_SECONDS * 2)
        failures = backend.get(address_key) or 0
        found = backend.get_many(also_read) if also_read else {}
        reads = {key: found.get(key) for key in also_read}
    wait = retry_after(now)
    return Admission(Verdict(count <= limit, count, wait),
                     Verdict(failures < failure_limit, failures, wait), reads)
