"""The benchmarks of issue 5 (the DDI poll of issue 6, the peers of issue 11, the rollout safety overhead of
issue 13), in the order the report shows them."""

from bench.benchmarks.admin import Admin
from bench.benchmarks.base import Benchmark
from bench.benchmarks.checkin import CheckIn
from bench.benchmarks.ddi import DdiPoll
from bench.benchmarks.download import Download
from bench.benchmarks.explain import Explain
from bench.benchmarks.peers import Peers
from bench.benchmarks.rollout import RolloutStart
from bench.benchmarks.safety import SafetyOverhead
from bench.benchmarks.tuf import TufPublishing
from bench.benchmarks.verification import Verification

# DdiPoll (issue 6) follows the check-in it is compared with; Peers (issue 11) follows both, so that the
# devices it lets install their offers do not change what those two find at the same fleet size.
ALL: list[type[Benchmark]] = [Verification, CheckIn, DdiPoll, Peers, Download, RolloutStart, Admin, Explain,
                              TufPublishing, SafetyOverhead]

__all__ = ["ALL", "Benchmark"]
