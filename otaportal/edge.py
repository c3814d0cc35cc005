"""The device edge's shared store: what every web process and host must agree on, one round trip away.

Rate-limit counters, bad-credential counters, the products' policy generations,
the invalidation stamps of devices and tokens, the device sessions (devices.session),
the last-use buffer (otaportal.last_use) and the rollouts' rate budgets
(rollouts.services.budget) live here. In production it is Redis,
used directly through redis-py rather than through Django's cache: the idle device
request reads and counts everything it needs in ONE round trip, a Lua script
(``admit``), which Django's cache API cannot express.

Without Redis (the embedded defaults of ``make run``) a store over Django's cache
does the same work less atomically and keeps no sessions: every device request
then takes the full path through the database.

Keys (all under ``ota:``; stamps and generations carry no expiry and only ever grow,
so run Redis with a ``noeviction`` or ``volatile-*`` eviction policy, see
docs/operations.md):

- ``ota:rate:<device id>:<window>``     a device's requests in a one-minute window
- ``ota:authfail:<address>:<window>``    bad credentials from an address in a window
- ``ota:policy:<product id>``            the product's policy generation
- ``ota:tokstamp:<token prefix>``        bumped when the token must stop working
- ``ota:devstamp:<device id>``           bumped when anything a device answer reads changes
- ``ota:session:<token prefix>``         a hash: the device's identity and its remembered answers
- ``ota:used:<app_label.model>``         a hash: last uses waiting to be written to PostgreSQL
- ``ota:budget:<rollout id>:<minute>``   a rollout's new offers in a one-minute window (its rate budget)
- ``ota:successes:<release id>``         the release's successful updates: its budget's growth (kept by
                                         rollouts.services.budget, rebuilt from SQL when missing)
"""

import math
import time
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.signals import setting_changed
from django.dispatch import receiver

WINDOW_SECONDS = 60

ADMIT_SCRIPT = """
-- KEYS: 1 the address's bad-credential counter, 2 the session, 3 the token's stamp, 4 the last-use buffer of devices
-- ARGV: 1 the counter's expiry, 2 the token's digest, 3 the last-seen value, 4 the devstamp key prefix,
--       5 the policy key prefix, 6 the rate counter's key prefix, 7 its window
-- The device's keys are read from its session: undeclared keys, so one Redis server (or Sentinel), not Cluster.
local failures = redis.call('GET', KEYS[1])
local tokstamp = redis.call('GET', KEYS[3]) or '0'
local session = redis.call('HGETALL', KEYS[2])
local fields = {}
for i = 1, #session, 2 do fields[session[i]] = session[i + 1] end
if fields['digest'] ~= ARGV[2] then
  return {false, failures, tokstamp, {}, false, false}
end
local rate = ARGV[6] .. fields['id'] .. ':' .. ARGV[7]
local count = redis.call('INCR', rate)
if count == 1 then redis.call('EXPIRE', rate, ARGV[1]) end
redis.call('HSET', KEYS[4], fields['id'], ARGV[3])
local devstamp = redis.call('GET', ARGV[4] .. fields['id']) or '0'
local generation = redis.call('GET', ARGV[5] .. fields['product']) or '0'
return {count, failures, tokstamp, session, devstamp, generation}
"""


OFFER_BUDGET_SCRIPT = """
-- KEYS: 1 the rollout's new offers this minute, 2 its release's success count
-- ARGV: 1 offers per minute, 2 growth factor ('' for none), 3 successes per growth step, 4 the cap,
--       5 the most growth steps counted, 6 the counter's expiry, 7 '1' to take an offer, '0' to read only
-- The allowance is ``offer_allowance``'s, in the same double arithmetic: a change to one is a change to both.
local successes = redis.call('GET', KEYS[2])
local allowed = tonumber(ARGV[1])
if ARGV[2] ~= '' then
  local steps = math.min(math.floor(math.max(tonumber(successes or '0'), 0) / tonumber(ARGV[3])), tonumber(ARGV[5]))
  allowed = math.floor(allowed * tonumber(ARGV[2]) ^ steps)
end
allowed = math.min(allowed, tonumber(ARGV[4]))
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if ARGV[7] == '1' then
  if used >= allowed then return {0, used, allowed, successes} end
  used = redis.call('INCR', KEYS[1])
  if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[6]) end
  return {1, used, allowed, successes}
end
return {0, used, allowed, successes}
"""
COUNT_SUCCESSES_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""
# Past this many growth steps every factor (at least 1.1) has passed any cap: 1.1 ** 200 > 10 ** 8.
MAX_GROWTH_STEPS = 200


@dataclass(frozen=True)
class OfferRate:
    """A rollout's rate budget: new offers per minute, grown by ``growth_factor`` every ``growth_every``
    successes, never past ``cap``."""

    per_minute: int
    growth_factor: float | None
    growth_every: int | None
    cap: int


@dataclass(frozen=True)
class OfferBudget:
    """A rollout's budget this minute (``Store.offer_budget``)."""

    admitted: bool  # the offer asked for was taken (False when only read)
    used: int  # new offers this minute, the one admitted included
    allowed: int  # the allowance this minute
    successes: int | None  # the success count it grew by; None: missing (rebuild it from SQL)


def offer_allowance(rate: OfferRate, successes: int) -> int:
    """``per_minute × growth_factor ** (successes // growth_every)``, at most ``cap`` (OFFER_BUDGET_SCRIPT)."""
    allowed = rate.per_minute
    if rate.growth_factor is not None:
        # A count that drifted below zero (a decrement applied after a recount had it already) grows nothing.
        steps = min(max(successes, 0) // rate.growth_every, MAX_GROWTH_STEPS)
        allowed = math.floor(allowed * rate.growth_factor ** steps)
    return min(allowed, rate.cap)


def budget_key(rollout_id, now: float) -> str:
    return f"ota:budget:{rollout_id}:{window_of(now)}"


def successes_key(release_id) -> str:
    return f"ota:successes:{release_id}"


@dataclass(frozen=True)
class Admission:
    """What one round trip told about a device request (``Store.admit``)."""

    requests: int | None  # this window's requests of the device, this one included; None: not counted yet
    failures: int  # bad credentials from the address this window
    tokstamp: str  # the token's stamp
    session: dict  # the session's fields (str -> str); empty when there is none or the digest differs
    devstamp: str | None  # the device's stamp, read before anything else of the device (None without a session)
    generation: str | None  # the policy generation of the session's product (None without a session)


def window_of(now: float) -> int:
    return int(now // WINDOW_SECONDS)


RATE_PREFIX = "ota:rate:"


def rate_key(device_id, now: float) -> str:
    return f"{RATE_PREFIX}{device_id}:{window_of(now)}"


def failure_key(address: str, now: float) -> str:
    return f"ota:authfail:{address}:{window_of(now)}"


def session_key(prefix: str) -> str:
    return f"ota:session:{prefix}"


def tokstamp_key(prefix: str) -> str:
    return f"ota:tokstamp:{prefix}"


DEVSTAMP_PREFIX, POLICY_PREFIX, USED_PREFIX = "ota:devstamp:", "ota:policy:", "ota:used:"
DEVICES_LABEL = "devices.device"


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class RedisStore:
    """The store in Redis: see the module docstring."""

    keeps_sessions = True

    def __init__(self, url: str):
        self.redis = redis.Redis.from_url(url)
        self._admit = self.redis.register_script(ADMIT_SCRIPT)
        self._offer_budget = self.redis.register_script(OFFER_BUDGET_SCRIPT)
        self._count_successes = self.redis.register_script(COUNT_SUCCESSES_SCRIPT)

    def admit(self, prefix: str, digest: str, address: str, seen: str, now: float) -> Admission:
        keys = [failure_key(address, now), session_key(prefix), tokstamp_key(prefix), USED_PREFIX + DEVICES_LABEL]
        args = [WINDOW_SECONDS * 2, digest, seen, DEVSTAMP_PREFIX, POLICY_PREFIX, RATE_PREFIX, window_of(now)]
        requests, failures, tokstamp, flat, devstamp, generation = self._admit(keys=keys, args=args)
        session = {_text(flat[i]): _text(flat[i + 1]) for i in range(0, len(flat), 2)}
        return Admission(requests, int(failures or 0), _text(tokstamp), session, _text(devstamp), _text(generation))

    def count_request(self, device_id, seen: str, now: float, session: tuple[str, dict, int] | None = None) -> int:
        """Count a request of a device authenticated by the database and note when it was seen; with
        ``session`` (token prefix, fields, seconds), keep the device's session too. One round trip."""
        key = rate_key(device_id, now)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key).expire(key, WINDOW_SECONDS * 2).hset(USED_PREFIX + DEVICES_LABEL, str(device_id), seen)
            if session is not None:
                prefix, fields, seconds = session
                pipe.hset(session_key(prefix), mapping=fields).expire(session_key(prefix), seconds)
            return pipe.execute()[0]

    def count_failure(self, address: str, now: float) -> int:
        key = failure_key(address, now)
        with self.redis.pipeline(transaction=False) as pipe:
            count, _ = pipe.incr(key).expire(key, WINDOW_SECONDS * 2).execute()
        return count

    def failures(self, address: str, now: float) -> int:
        return int(self.redis.get(failure_key(address, now)) or 0)

    def keep_session(self, prefix: str, fields: dict, seconds: int) -> None:
        key = session_key(prefix)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=fields).expire(key, seconds).execute()

    def bump(self, *, devices=(), tokens=(), products=()) -> None:
        """Make every session of these tokens, answer of these devices and policy of these products stale."""
        keys = ([f"{DEVSTAMP_PREFIX}{device_id}" for device_id in devices] + [tokstamp_key(p) for p in tokens]
                + [f"{POLICY_PREFIX}{product_id}" for product_id in products])
        if not keys:
            return
        with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.incr(key)
            pipe.execute()

    def generation(self, product_id) -> str:
        return _text(self.redis.get(f"{POLICY_PREFIX}{product_id}")) or "0"

    def offer_budget(self, rollout_id, release_id, rate: OfferRate, now: float, take: bool) -> OfferBudget:
        """The rollout's budget this minute; with ``take``, one new offer taken from it if any is left.
        One round trip: the allowance is computed in the script from the stored success count."""
        keys = [budget_key(rollout_id, now), successes_key(release_id)]
        factor = "" if rate.growth_factor is None else repr(rate.growth_factor)
        args = [rate.per_minute, factor, rate.growth_every or 1, rate.cap, MAX_GROWTH_STEPS, WINDOW_SECONDS * 2,
                "1" if take else "0"]
        admitted, used, allowed, successes = self._offer_budget(keys=keys, args=args)
        return OfferBudget(bool(admitted), int(used), int(allowed), None if successes is None else int(successes))

    def count_successes(self, release_id, delta: int) -> None:
        """Add to the release's success count, only if it is kept: a missing one is rebuilt from SQL whole."""
        self._count_successes(keys=[successes_key(release_id)], args=[delta])

    def set_successes(self, release_id, count: int) -> None:
        self.redis.set(successes_key(release_id), count)

    def note_use(self, label: str, pk, value: str) -> None:
        self.redis.hset(USED_PREFIX + label, str(pk), value)

    def take_uses(self, label: str, batch: int) -> dict[str, str]:
        """Up to ``batch`` buffered last uses of the model, removed from the buffer as they are taken."""
        key = USED_PREFIX + label
        fields = [field for field, _ in zip(self.redis.hscan_iter(key, count=batch), range(batch))]
        if not fields:
            return {}
        names = [name for name, _ in fields]
        with self.redis.pipeline(transaction=True) as pipe:
            values = pipe.hmget(key, names).hdel(key, *names).execute()[0]
        return {_text(name): _text(value) for name, value in zip(names, values) if value is not None}


class CacheStore:
    """The store over Django's cache, for a portal without Redis: no sessions, no atomic round trip."""

    keeps_sessions = False

    def __init__(self):
        self.cache = caches["default"]

    def _increment(self, key: str) -> int:
        if self.cache.add(key, 1, timeout=WINDOW_SECONDS * 2):
            return 1
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between the two calls: this request opens it again
            self.cache.add(key, 1, timeout=WINDOW_SECONDS * 2)
            return 1

    def admit(self, prefix: str, digest: str, address: str, seen: str, now: float) -> Admission:
        return Admission(None, self.failures(address, now), "0", {}, None, None)

    def count_request(self, device_id, seen: str, now: float, session: tuple[str, dict, int] | None = None) -> int:
        self.note_use(DEVICES_LABEL, device_id, seen)
        return self._increment(rate_key(device_id, now))

    def count_failure(self, address: str, now: float) -> int:
        return self._increment(failure_key(address, now))

    def failures(self, address: str, now: float) -> int:
        return self.cache.get(failure_key(address, now)) or 0

    def keep_session(self, prefix: str, fields: dict, seconds: int) -> None:
        """Sessions need Redis's atomic round trip: without it every request takes the full path."""

    def bump(self, *, devices=(), tokens=(), products=()) -> None:
        for product_id in products:
            self.cache.set(f"{POLICY_PREFIX}{product_id}", str(time.time_ns()), timeout=None)

    def generation(self, product_id) -> str:
        return self.cache.get(f"{POLICY_PREFIX}{product_id}") or "0"

    def offer_budget(self, rollout_id, release_id, rate: OfferRate, now: float, take: bool) -> OfferBudget:
        """Not atomic: processes that read the same count at once may each take the last offer left, so a
        portal without Redis may exceed a budget by its number of processes in a minute."""
        key, successes = budget_key(rollout_id, now), self.cache.get(successes_key(release_id))
        allowed, used = offer_allowance(rate, successes or 0), self.cache.get(key) or 0
        if not take or used >= allowed:
            return OfferBudget(False, used, allowed, successes)
        return OfferBudget(True, self._increment(key), allowed, successes)

    def count_successes(self, release_id, delta: int) -> None:
        with suppress(ValueError):  # a missing count is rebuilt from SQL whole
            self.cache.incr(successes_key(release_id), delta)

    def set_successes(self, release_id, count: int) -> None:
        self.cache.set(successes_key(release_id), count, timeout=None)

    def note_use(self, label: str, pk, value: str) -> None:
        # Not atomic: two processes may lose one of two last-seen times; tolerable on a development portal.
        key = USED_PREFIX + label
        self.cache.set(key, {**(self.cache.get(key) or {}), str(pk): value}, timeout=None)

    def take_uses(self, label: str, batch: int) -> dict[str, str]:
        key = USED_PREFIX + label
        buffered = self.cache.get(key) or {}
        taken = dict(list(buffered.items())[:batch])
        self.cache.set(key, {name: value for name, value in buffered.items() if name not in taken}, timeout=None)
        return taken


@cache
def store() -> RedisStore | CacheStore:
    """The store of this process: Redis at OTA_EDGE_REDIS_URL, else Django's cache."""
    url = settings.OTA_EDGE_REDIS_URL
    return RedisStore(url) if url else CacheStore()


@receiver(setting_changed, dispatch_uid="otaportal.edge.setting_changed")
def _new_store_for_new_settings(setting, **kwargs):
    """Tests that point the edge store or the cache elsewhere get a store that follows them."""
    if setting in ("OTA_EDGE_REDIS_URL", "CACHES"):
        store.cache_clear()
