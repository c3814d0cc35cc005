"""The portal's health: every service it needs, each checked within a short deadline, in one report.

``manage.py health`` and ``GET /health/`` (for load balancers) both show ``report()``. The checks run
in parallel threads and the report waits at most OTA_HEALTH_TIMEOUT for them: a service that hangs
is reported as not answering instead of holding the caller (docs/operations.md, "Health").
"""

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from storages.backends.s3 import S3Storage

from otaportal.celery import app

BEAT_TICK_KEY = "otaportal:beat:last-tick"


class Unhealthy(Exception):
    """A check found its service unusable; the message says how."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failing(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    def as_dict(self) -> dict:
        return {
            "status": "ok" if self.ok else "failing",
            "checks": {check.name: {"ok": check.ok, "detail": check.detail} for check in self.checks},
        }


def record_beat_tick() -> None:
    """Beat calls this each time it wakes (otaportal.beat)."""
    cache.set(BEAT_TICK_KEY, time.time(), timeout=None)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # the connection of this check's own thread, which ends with the report
    return f"{connection.vendor} answered"


def _cache() -> str:
    cache.get(BEAT_TICK_KEY)
    return "answered"


def _broker() -> str:
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1)
        return f"{broker.transport_cls} answered"


def _storage() -> str:
    storage = storages["artifacts"]
    if isinstance(storage, S3Storage):
        storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
        return f"bucket {storage.bucket_name} answered"
    if not Path(storage.location).is_dir():
        raise Unhealthy(f"no folder {storage.location}")
    return f"folder {storage.location}"


def _worker() -> str:
    # limit=1: answer as soon as one worker replies instead of waiting out the timeout.
    replies = app.control.ping(timeout=settings.OTA_HEALTH_TIMEOUT / 2, limit=1)
    if not replies:
        raise Unhealthy("no worker answered a ping")
    return f"{next(iter(replies[0]))} answered"


def _beat() -> str:
    tick = cache.get(BEAT_TICK_KEY)
    if tick is None:
        raise Unhealthy("beat never ticked")
    age = time.time() - tick
    if age > settings.OTA_HEALTH_BEAT_STALE_AFTER:
        raise Unhealthy(f"last tick {age:.0f} s ago (stale after {settings.OTA_HEALTH_BEAT_STALE_AFTER} s)")
    return f"last tick {age:.0f} s ago"


CHECKS = {
    "database": _database,
    "cache": _cache,
    "broker": _broker,
    "storage": _storage,
    "worker": _worker,
    "beat": _beat,
}


def _outcome(name: str, future: Future) -> Check:
    if not future.done():
        return Check(name, False, f"no answer within {settings.OTA_HEALTH_TIMEOUT} s")
    try:
        return Check(name, True, future.result())
    except Unhealthy as finding:
        return Check(name, False, str(finding))
    except Exception as error:  # whatever broke, the report names it rather than failing itself
        return Check(name, False, f"{type(error).__name__}: {error}")


def _started(name: str, check: Callable[[], str]) -> Future:
    """``check`` in a daemon thread: one that hangs holds neither the caller nor the process's exit."""
    future = Future()

    def run():
        try:
            future.set_result(check())
        except Exception as error:
            future.set_exception(error)

    threading.Thread(target=run, name=f"health-{name}", daemon=True).start()
    return future


def report() -> Report:
    futures = {name: _started(name, check) for name, check in CHECKS.items()}
    wait(futures.values(), timeout=settings.OTA_HEALTH_TIMEOUT)
    return Report(tuple(_outcome(name, future) for name, future in futures.items()))
