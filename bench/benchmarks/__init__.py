"""The six benchmarks of issue 5, in the order the report shows them."""

from bench.benchmarks.base import Benchmark
from bench.benchmarks.checkin import CheckIn
from bench.benchmarks.verification import Verification

ALL: list[type[Benchmark]] = [Verification, CheckIn]

__all__ = ["ALL", "Benchmark"]
