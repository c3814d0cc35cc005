"""What a rollout's progress page shows: counts with their denominators, each a link to the updates it
counts, the states over time, the phase in force with its soak countdown, and recent failures.

Phases are shown numbered from 1 (stored from 0). Reads a constant number of
queries: the counts (rollouts.services.progress), the phases, the timeline
(rollouts.services.timeline), the recent failures and events; and the rate
budget from the edge store (rollouts.services.budget, one query more when its
success count must be rebuilt); the maintenance windows in force (one or two queries).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from rollouts.colours import UPDATE_STATUS_COLOURS
from rollouts.models import FAILURE_STATUSES, Rollout, RolloutState, UpdateStatus
from rollouts.services import budget, delivery, maintenance, transitions
from rollouts.services.progress import Outcomes, progress_of, retries_text
from rollouts.services.timeline import timeline_of

from . import charts, display
from .list_links import update_list

RECENT_FAILURES = 20
RECENT_EVENTS = 10
# The page fetches itself again this often (static/editors/refresh.js), keeping the reader's scroll.
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class PhaseRow:
    number: int  # from 1
    phase: object  # RolloutPhase, or None for updates of a phase no longer defined
    outcomes: Outcomes
    in_force: bool
    bar: str
    offered_url: str
    succeeded_url: str
    failed_url: str


def _phase_rows(rollout: Rollout, progress, phases, in_force) -> list[PhaseRow]:
    release = str(rollout.release_id)
    defined = {phase.position: phase for phase in phases}
    return [
        PhaseRow(position + 1, defined.get(position), progress.phase(position),
                 in_force is not None and in_force.position == position,
                 display.stacked_bar(progress.phase(position).by_status),
                 update_list(release=release, phase=position + 1),
                 update_list(release=release, phase=position + 1, outcome="success"),
                 update_list(release=release, phase=position + 1, outcome="failure"))
        for position in sorted(set(defined) | set(progress.by_phase))
    ]


@dataclass(frozen=True)
class Soak:
    ends_at: datetime
    left: timedelta

    @property
    def over(self) -> bool:
        return self.left <= timedelta(0)


def soak_of(rollout: Rollout, in_force, now: datetime) -> Soak | None:
    """When the phase in force has soaked long enough to advance; None when no clock runs."""
    if in_force is None or rollout.phase_started_at is None or rollout.state != RolloutState.RUNNING:
        return None
    ends_at = rollout.phase_started_at + in_force.min_soak
    return Soak(ends_at, ends_at - now)


def readable(span: timedelta) -> str:
    """``2 d 3 h``, ``3 h 12 min``, ``4 min 10 s``: the two largest units, for a countdown."""
    seconds = max(int(span.total_seconds()), 0)
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "min"),
             (seconds % 60, "s")]
    first = next((index for index, (value, _) in enumerate(parts) if value), len(parts) - 1)
    return " ".join(f"{value} {unit}" for value, unit in parts[first:first + 2])


def timeline_chart(rollout: Rollout, now: datetime) -> dict | None:
    timeline = timeline_of(rollout.release_id, now)
    if timeline.empty:
        return None
    series = [
        charts.Series("Succeeded", UPDATE_STATUS_COLOURS[UpdateStatus.COMMITTED], timeline.succeeded),
        charts.Series("Failed or rolled back", UPDATE_STATUS_COLOURS[UpdateStatus.FAILED], timeline.failed),
        charts.Series("Rejected, denied or canceled", UPDATE_STATUS_COLOURS[UpdateStatus.REJECTED], timeline.other),
        charts.Series("Offered, in progress", UPDATE_STATUS_COLOURS[UpdateStatus.OFFERED], timeline.in_progress),
    ]
    label = f"updates of {rollout.release} by state over time"
    return {"svg": charts.stacked_area(timeline.moments, series, label=label), "legend": series}


def progress_context(rollout: Rollout, now: datetime) -> dict:
    progress = progress_of(rollout.release_id)
    phases = list(rollout.phases.all())
    in_force = transitions.phase_in_force(rollout, phases)
    soak = soak_of(rollout, in_force, now)
    phase_rows = _phase_rows(rollout, progress, phases, in_force)
    release = str(rollout.release_id)
    status_rows = [{**row, "url": update_list(release=release, status__exact=row["status"])}
                   for row in display.status_bars(progress.overall.by_status)]
    failures = (rollout.release.device_updates.filter(status__in=FAILURE_STATUSES)
                .select_related("device").order_by("-updated_at")[:RECENT_FAILURES])
    return {
        "overall": progress.overall, "overall_bar": display.stacked_bar(progress.overall.by_status),
        "status_bars": status_rows, "phase_rows": phase_rows,
        "in_force": in_force, "in_force_row": next((row for row in phase_rows if row.in_force), None),
        "phase_total": len(phases),
        "soak": soak, "soak_left": readable(soak.left) if soak else "", "timeline": timeline_chart(rollout, now),
        "update_links": {"all": update_list(release=release), "succeeded": update_list(release=release, outcome="success"),
                  "failed": update_list(release=release, outcome="failure"),
                  "denied": update_list(release=release, status__exact=UpdateStatus.DENIED)},
        "failures": [{"update": update, "status": display.update_status_badge(update.status),
                      "url": update_list(release=release, q=update.device.uid)} for update in failures],
        "events": rollout.events.select_related("actor")[:RECENT_EVENTS],
        "refresh_seconds": REFRESH_SECONDS,
        "delivery": delivery.describe(rollout),
        "budget": budget.budget_of(rollout, now),
        "retries": retries_text(rollout),
        "maintenance_windows": _windows(rollout, now),
    }


def _windows(rollout: Rollout, now: datetime) -> dict:
    whose, windows = maintenance.in_force(rollout)
    return {"whose": whose, "rows": [(window, maintenance.standing_text(window, now)) for window in windows]}
