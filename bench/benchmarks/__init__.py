"""The six benchmarks of issue 5, in the order the report shows them."""

from bench.benchmarks.base import Benchmark
from bench.benchmarks.verification import Verification

ALL: list[type[Benchmark]] = [Verification]

__all__ = ["ALL", "Benchmark"]
