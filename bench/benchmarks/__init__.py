"""The benchmarks of issue 5 (and the DDI poll of issue 6), in the order the report shows them."""

from bench.benchmarks.admin import Admin
from bench.benchmarks.base import Benchmark
from bench.benchmarks.checkin import CheckIn
from bench.benchmarks.ddi import DdiPoll
from bench.benchmarks.download import Download
from bench.benchmarks.explain import Explain
from bench.benchmarks.rollout import RolloutStart
from bench.benchmarks.tuf import TufPublishing
from bench.benchmarks.verification import Verification

# DdiPoll (issue 6) follows the check-in it is compared with.
ALL: list[type[Benchmark]] = [Verification, CheckIn, DdiPoll, Download, RolloutStart, Admin, Explain,
                              TufPublishing]

__all__ = ["ALL", "Benchmark"]
