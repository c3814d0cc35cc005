"""A rollout's device updates by state over time, rebuilt from the updates' own timestamps.

Nothing extra is recorded: every ``DeviceUpdate`` row has ``offered_at`` (when
the device was first offered the release) and ``updated_at`` (when it reached
its current state). Counting both per time step (two grouped queries on the
release's updates) gives, at each step, how many updates had been offered and
how many had closed as succeeded, failed or otherwise. The price of recording
nothing: an update is drawn in its current state from its last change on, so a
device that failed and is trying again shows as in progress, not as a failure
that happened.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.db.models.functions import Trunc

from rollouts.models import CLOSED_STATUSES, FAILURE_STATUSES, SUCCESS_STATUSES, DeviceUpdate

# The step of the time axis by the span it covers, so a chart has at most a few hundred steps.
STEPS = ((timedelta(hours=3), "minute", timedelta(minutes=1)), (timedelta(days=7), "hour", timedelta(hours=1)),
         (timedelta(days=365), "day", timedelta(days=1)))
LONGEST_STEP = ("week", timedelta(weeks=1))


@dataclass(frozen=True)
class Timeline:
    moments: list  # the first step's start, then the end of each step (the last one: now), oldest first
    in_progress: list  # offered and not closed yet, at the end of each step
    succeeded: list
    failed: list
    other: list  # rejected by the device or canceled

    @property
    def empty(self) -> bool:
        return not self.moments


def _step_for(span: timedelta) -> tuple[str, timedelta]:
    return next(((kind, step) for longest, kind, step in STEPS if span <= longest), LONGEST_STEP)


def timeline_of(release_id, now: datetime) -> Timeline:
    """The release's updates by state at each step from the first offer to ``now``."""
    updates = DeviceUpdate.objects.filter(release_id=release_id).order_by()
    first = updates.order_by("offered_at").values_list("offered_at", flat=True).first()
    if first is None:
        return Timeline([], [], [], [], [])
    kind, step = _step_for(now - first)
    offered = {row["moment"]: row["n"] for row in updates.values(moment=Trunc("offered_at", kind))
               .annotate(n=Count("pk"))}
    closed = {}
    for row in (updates.filter(status__in=CLOSED_STATUSES).values("status", moment=Trunc("updated_at", kind))
                .annotate(n=Count("pk"))):
        closed.setdefault(row["moment"], {}).setdefault(row["status"], 0)
        closed[row["moment"]][row["status"]] += row["n"]
    starts, moment = [], min(offered)
    while moment <= now:
        starts.append(moment)
        moment += step
    return _accumulate(starts, step, now, offered, closed)


def _accumulate(starts, step: timedelta, now: datetime, offered: dict, closed: dict) -> Timeline:
    """Counts at the end of each step (the last one ends now), after a first point of zeros at the first start."""
    timeline = Timeline([starts[0]], [0], [0], [0], [0])
    total = succeeded = failed = other = 0
    for start in starts:
        total += offered.get(start, 0)
        for status, n in closed.get(start, {}).items():
            if status in SUCCESS_STATUSES:
                succeeded += n
            elif status in FAILURE_STATUSES:
                failed += n
            else:
                other += n
        timeline.moments.append(min(start + step, now))
        timeline.in_progress.append(max(total - succeeded - failed - other, 0))
        timeline.succeeded.append(succeeded)
        timeline.failed.append(failed)
        timeline.other.append(other)
    return timeline
