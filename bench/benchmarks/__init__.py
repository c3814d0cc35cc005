"""The six benchmarks of issue 5, in the order the report shows them."""

from bench.benchmarks.admin import Admin
from bench.benchmarks.base import Benchmark
from bench.benchmarks.checkin import CheckIn
from bench.benchmarks.download import Download
from bench.benchmarks.explain import Explain
from bench.benchmarks.rollout import RolloutStart
from bench.benchmarks.verification import Verification

ALL: list[type[Benchmark]] = [Verification, CheckIn, Download, RolloutStart, Admin, Explain]

__all__ = ["ALL", "Benchmark"]
