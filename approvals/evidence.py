"""What an approver looks at: the rollout's policy as it stood when the step was asked, and its dry run.

The snapshot makes a request stale once the rollout's policy or state changes: the
approver would otherwise approve something other than what was shown.
"""

from decimal import Decimal

from django.db import NotSupportedError, connection

from rollouts.models import Rollout
from rollouts.services.approval_rules import ApprovalStep, in_force_percentage
from rollouts.services.dry_run import dry_run
from rollouts.services.transitions import phase_in_force

SNAPSHOT_LABELS = {
    "strategy": "strategy", "state": "state", "currentPhase": "phase in force", "filters": "filters",
    "phases": "phases", "skipDispatchingToEndpoint": "dispatching flag", "updateType": "update type",
}


def policy_snapshot(rollout: Rollout) -> dict:
    return {
        "strategy": rollout.strategy, "state": rollout.state, "currentPhase": rollout.current_phase,
        "skipDispatchingToEndpoint": rollout.skip_dispatching_to_endpoint, "updateType": rollout.update_type,
        # Sorted here rather than by order_by, so that a list of requests can prefetch them.
        "filters": sorted([str(link.filter_id), link.rollout_date.isoformat() if link.rollout_date else None]
                          for link in rollout.rollout_filters.all()),
        "phases": sorted([phase.position, str(phase.percentage), phase.min_soak.total_seconds(),
                          str(phase.success_threshold), str(phase.failure_threshold)]
                         for phase in rollout.phases.all()),
    }


def changed_since(snapshot: dict, rollout: Rollout) -> list[str]:
    """What changed between the snapshot and the rollout now, in words ("phases", "state"…)."""
    now = policy_snapshot(rollout)
    return [SNAPSHOT_LABELS[key] for key in SNAPSHOT_LABELS if snapshot.get(key) != now[key]]


def _preview_arguments(step: str, rollout: Rollout, arguments: dict) -> dict:
    """The dry run's question for the step: which strategy, at which percentage or phase."""
    if step == ApprovalStep.START:
        phases = arguments.get("phases")
        stored = rollout.phases.order_by("position").values_list("percentage", flat=True)
        first = Decimal(phases[0]["percentage"]) if phases else next(iter(stored), Decimal(100))
        return {"strategy": arguments["strategy"], "percentage": first}
    if step == ApprovalStep.WIDEN:
        phases = list(rollout.phases.order_by("position"))
        current = phase_in_force(rollout, phases)
        following = next((phase for phase in phases if current and phase.position > current.position), None)
        return {"phase": following.position} if following else {}
    if step == ApprovalStep.GENERAL:
        return {"strategy": arguments.get("strategy", rollout.strategy)}
    if step == ApprovalStep.PHASES:
        percentages = [Decimal(phase["percentage"]) for phase in arguments["phases"]]
        return {"percentage": in_force_percentage(percentages, rollout.current_phase)}
    return {}


def step_dry_run(step: str, rollout: Rollout, arguments: dict) -> tuple[dict | None, str]:
    """(the dry run as the API shows it, "") or (None, why it could not be counted)."""
    try:
        return dry_run(rollout.release, **_preview_arguments(step, rollout, arguments)).as_dict(), ""
    except NotSupportedError:
        return None, f"Counting devices needs PostgreSQL; this database is {connection.vendor}."
