"""Measuring instruments: peak memory of other processes, server-side timings, queries and rows written."""

import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil
from django.db import connection
from django.test.utils import CaptureQueriesContext

MIB = 1024 * 1024


class PeakMemory:
    """Samples the resident memory of some processes in a thread; ``growth`` is the largest rise of one of them."""

    def __init__(self, pids: Callable[[], list[int]], interval: float = 0.02):
        self.pids, self.interval = pids, interval
        self.initial: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> dict[int, int]:
        sizes = {}
        for pid in self.pids():
            try:
                sizes[pid] = psutil.Process(pid).memory_info().rss
            except psutil.Error:
                continue
        return sizes

    def _sample(self):
        while not self._stop.is_set():
            for pid, rss in self._rss().items():
                self.initial.setdefault(pid, rss)
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self.initial = self._rss()
        self.peak = dict(self.initial)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return max((self.peak[pid] - self.initial.get(pid, self.peak[pid]) for pid in self.peak), default=0) / MIB

    @property
    def peak_mib(self) -> float:
        return max(self.peak.values(), default=0) / MIB


@dataclass
class Timing:
    """Wall times of repeated calls, in milliseconds."""

    samples: list = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        return min(self.samples)


def time_calls(call: Callable[[], object], repeat: int = 5, warmup: int = 1) -> Timing:
    for _ in range(warmup):
        call()
    timing = Timing()
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timing.samples.append((time.perf_counter() - started) * 1000)
    return timing


def count_queries(call: Callable[[], object]) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return len(captured.captured_queries), result


def _table_writes() -> dict[str, int]:
    """Rows inserted, updated and deleted per table so far (this backend's pending counts included)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables")
        return dict(cursor.fetchall())


def _flushed_writes() -> dict[str, int]:
    # pg_stat_force_next_flush() makes this backend publish its counts when it next goes idle,
    # which it does between the statements of _table_writes.
    _table_writes()
    return _table_writes()


def rows_written(call: Callable[[], object]) -> tuple[dict[str, int], object]:
    """Run ``call`` and return the rows it wrote per table (from PostgreSQL's statistics) and its result."""
    before = _flushed_writes()
    result = call()
    after = _flushed_writes()
    return {table: count - before.get(table, 0) for table, count in after.items()
            if count - before.get(table, 0)}, result
