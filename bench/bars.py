"""The device bars of issue 11: portal figures as ratios to goosebit's DDI poll and to the bare WSGI floor.

Every figure is measured in rounds that alternate the servers, so a ratio is taken
between two figures of the same round (the same state of a busy machine) and the
median of those per-round ratios is what a bar judges.
"""

import math
import statistics
from dataclasses import dataclass

from bench.report import Verdict

FLEET = 1_000_000
POLL_SECONDS = 300
# How far a figure may fall from the smallest to the largest fleet before it counts as falling: the
# larger of this and the spread of its own rounds (what the machine's noise did to it in this run).
NOISE_ALLOWANCE = 0.10

# What each measured target is called in the report. The first four are the portal's.
LABELS = {
    "ping": "ping",
    "checkin_idle": "idle check-in",
    "ddi_idle": "idle DDI root poll",
    "checkin_offer": "offer-making check-in",
    "goosebit": "goosebit's DDI poll",
    "floor": "bare WSGI floor",
}
PORTAL_FIGURES = ("ddi_idle", "checkin_idle", "ping", "checkin_offer")
BASELINES = ("goosebit", "floor")


@dataclass(frozen=True)
class Bar:
    figure: str
    baseline: str
    minimum: float
    aim: float | None = None

    def text(self) -> str:
        aim = f" (aim {self.aim:g}×)" if self.aim else ""
        return f"{LABELS[self.figure]} ≥ {self.minimum:g}× {LABELS[self.baseline]}{aim}"


BARS = (
    Bar("ddi_idle", "goosebit", 4, aim=5),
    Bar("checkin_idle", "goosebit", 3),
    Bar("ping", "floor", 0.3),
)


def round_ratios(rounds: list[dict], figure: str, baseline: str) -> list[float]:
    """The figure's requests per second over the baseline's, one ratio per round that measured both."""
    return [measured[figure] / measured[baseline] for measured in rounds
            if measured.get(figure) and measured.get(baseline)]


def median_ratio(rounds: list[dict], figure: str, baseline: str) -> float | None:
    ratios = round_ratios(rounds, figure, baseline)
    return statistics.median(ratios) if ratios else None


def median_rate(rounds: list[dict], name: str) -> float | None:
    rates = [measured[name] for measured in rounds if measured.get(name)]
    return statistics.median(rates) if rates else None


def spread(values: list[float]) -> float:
    """How far apart repeated measurements are, as a share of the largest (0 for one measurement)."""
    return (max(values) - min(values)) / max(values) if values and max(values) else 0.0


def bar_verdict(bar: Bar, rounds_by_size: dict[int, list[dict]], failures: dict[int, str]) -> Verdict:
    """Met when the median ratio reaches the bar at every fleet size, every request answered as expected.

    ``failures`` names, per fleet size, requests of this figure or its baseline that were not (errors, 5xx…).
    """
    details, passed = [], True
    for devices, rounds in sorted(rounds_by_size.items()):
        value = median_ratio(rounds, bar.figure, bar.baseline)
        if value is None:
            return Verdict(bar.text(), None, f"{LABELS[bar.baseline]} not measured")
        details.append(f"{value:.2f}× at {devices:,}")
        if value < bar.minimum or failures.get(devices):
            passed = False
        if failures.get(devices):
            details.append(f"({failures[devices]})")
    if not details:
        return Verdict(bar.text(), None, "not measured")
    return Verdict(bar.text(), passed, " ".join(details))


def scale_verdict(figure: str, rounds_by_size: dict[int, list[dict]]) -> Verdict:
    """The figure (as a share of the floor, so that the machine's drift cancels) does not fall by more than
    noise from the smallest fleet to the largest."""
    bar = f"{LABELS[figure]} holds from the smallest to the largest fleet"
    sizes = sorted(rounds_by_size)
    if len(sizes) < 2:
        return Verdict(bar, None, "one fleet size measured")
    smallest, largest = rounds_by_size[sizes[0]], rounds_by_size[sizes[-1]]
    before, after = median_ratio(smallest, figure, "floor"), median_ratio(largest, figure, "floor")
    if before is None or after is None:
        return Verdict(bar, None, "not measured")
    noise = max(NOISE_ALLOWANCE, spread(round_ratios(smallest, figure, "floor")),
                spread(round_ratios(largest, figure, "floor")))
    change = after / before - 1
    return Verdict(bar, change >= -noise,
                   f"{change:+.0%} from {sizes[0]:,} to {sizes[-1]:,} devices (noise {noise:.0%})")


def machines_needed(rate: float | None, fleet: int = FLEET, poll_seconds: int = POLL_SECONDS) -> int | None:
    """Machines like the measured one that serve ``fleet`` devices polling every ``poll_seconds``
    at ``rate`` requests a second each."""
    if not rate:
        return None
    return math.ceil(fleet / poll_seconds / rate)
