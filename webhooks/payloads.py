"""The ``data`` of each event: the objects as the management APIs name them (camelCase)."""

from catalog.models import Artifact, Release
from rollouts.models import Rollout, RolloutEvent


def release_data(release: Release) -> dict:
    return {"id": str(release.pk), "product": release.product.key, "module": release.module.name,
            "version": release.version, "status": release.status}


def artifact_data(artifact: Artifact, release: Release) -> dict:
    return {
        "artifact": {"id": artifact.pk, "fileName": artifact.file_name, "state": artifact.state,
                     "sha256": artifact.sha256, "size": artifact.size,
                     "failureReason": artifact.failure_reason, "failureDetail": artifact.failure_detail},
        "release": release_data(release),
    }


def deprecation_data(release: Release) -> dict:
    return {"release": release_data(release), "reason": release.deprecate_reason,
            "deprecatedAt": release.deprecated_at.isoformat()}


def rollout_data(rollout: Rollout, release: Release) -> dict:
    return {"id": rollout.pk, "state": rollout.state, "strategy": rollout.strategy,
            "currentPhase": rollout.current_phase, "stateReason": rollout.state_reason,
            "release": release_data(release)}


def rollout_event_data(event: RolloutEvent, release: Release) -> dict:
    return {"rollout": rollout_data(event.rollout, release), "message": event.message,
            "actor": event.actor.get_username() if event.actor else None}


def outcome_summary_data(release: Release, status: str, number: int, window_start, window_end) -> dict:
    return {"rollout": rollout_data(release.rollout, release), "status": status, "count": number,
            "windowStart": window_start.isoformat(), "windowEnd": window_end.isoformat()}
