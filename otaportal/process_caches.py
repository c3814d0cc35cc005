"""Every per-process cache of the device edge, bounded in size and in age, named in this one place.

What a web process keeps in its own memory must never outgrow the process nor outlive
what the shared store says: each entry is keyed by what makes it current (a policy
generation) and expires after ``max_age`` seconds whatever happens; past
``max_entries`` the oldest entry goes. Correctness never rests on these copies: the
generation read on every request in the session's round trip (devices.session) picks
the right one.
"""

import time
from collections.abc import Callable

from django.conf import settings


class ProcessCache:
    def __init__(self, name: str, max_entries: int, max_age: Callable[[], float]):
        self.name, self.max_entries, self.max_age = name, max_entries, max_age
        self._entries: dict = {}  # key -> (expires at, value), oldest first

    def get(self, key):
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key, value) -> None:
        self._entries.pop(key, None)
        while len(self._entries) >= self.max_entries:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (time.monotonic() + self.max_age(), value)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


# Unpickled policy snapshots, by product and generation (rollouts.policy.for_product).
POLICY_SNAPSHOTS = ProcessCache("policy snapshots", 256, lambda: settings.OTA_POLICY_CACHE_TTL)
# The releases of a snapshot that pass the rules about the release alone, by snapshot key (rollouts.decision).
RELEASE_CANDIDATES = ProcessCache("release candidates", 256, lambda: settings.OTA_POLICY_CACHE_TTL)
# Maintenance windows' state, by the windows, until their next edge (rollouts.windows.state); an hour at most.
WINDOW_STATES = ProcessCache("window states", 1024, lambda: 3600)
