"""An approval request as the API answers it and webhooks carry it (camelCase, like the other APIs)."""

from approvals.models import ApprovalRequest


def _username(user):
    return user.get_username() if user is not None else None


def _time(moment):
    return moment.isoformat() if moment else None


def request_data(request: ApprovalRequest, *, stale_reason: str = "") -> dict:
    release = request.rollout.release
    return {
        "id": request.pk, "step": request.step, "state": request.state, "stale": stale_reason,
        "release": {"id": str(release.pk), "product": release.product.key, "module": release.module.name,
                    "version": release.version},
        "arguments": request.arguments, "comment": request.request_comment,
        "requestedBy": _username(request.requested_by), "requestedAt": _time(request.requested_at),
        "decidedBy": _username(request.decided_by), "decidedAt": _time(request.decided_at),
        "decisionComment": request.decision_comment,
        "policy": request.policy_snapshot, "dryRun": request.dry_run,
        "dryRunUnavailable": request.dry_run_unavailable,
    }
