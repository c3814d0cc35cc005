"""Per-device request limits, counted in the shared cache (Redis in production).

A fixed one-minute window per device: the first request of a window creates the
counter with SET NX, later ones increment it atomically, and the counter expires
with its window. Counters live in the cache every web process shares, so the
limit holds across processes and machines; nothing is written to the database.
A device may make up to twice the limit across a window boundary, which is fine
for shielding the portal from a runaway agent.
"""

import math
import time
from dataclasses import dataclass

from django.core.cache import cache

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
    key = f"ota:ratelimit:device:{device_id}:{window}"
    if cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls: this request opens it again
            cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return Verdict(allowed=count <= limit, count=count, retry_after=retry_after)
