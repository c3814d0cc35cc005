from django.db import models


class EventType(models.TextChoices):
    ARTIFACT_VERIFIED = "artifact.verified", "Artifact verified"
    ARTIFACT_FAILED = "artifact.failed", "Artifact verification failed"
    RELEASE_DEPRECATED = "release.deprecated", "Release deprecated"
    ROLLOUT_STARTED = "rollout.started", "Rollout started"
    ROLLOUT_PHASE_ADVANCED = "rollout.phase_advanced", "Rollout phase advanced"
    ROLLOUT_PAUSED = "rollout.paused", "Rollout paused"
    ROLLOUT_AUTO_PAUSED = "rollout.auto_paused", "Rollout paused automatically"
    ROLLOUT_RESUMED = "rollout.resumed", "Rollout resumed"
    ROLLOUT_ABORTED = "rollout.aborted", "Rollout aborted"
    ROLLOUT_COMPLETED = "rollout.completed", "Rollout completed"
    DEVICE_UPDATES_FAILED = (
        "device_updates.failed", "Device updates failed (a summary per rollout per minute)"
    )
    DEVICE_UPDATES_ROLLED_BACK = (
        "device_updates.rolled_back", "Device updates rolled back (a summary per minute)"
    )
    DEVICE_UPDATES_COMMITTED = "device_updates.committed", "Device updates committed (a summary per minute)"
    DEVICE_UPDATES_TIMED_OUT = (
        "device_updates.timed_out", "Device updates timed out (a summary per minute)"
    )
    DEVICE_UPDATES_DENIED = (
        "device_updates.denied", "Device updates denied by their users (a summary per minute)"
    )
    APPROVAL_REQUESTED = "approval.requested", "Approval requested for a rollout step"
    APPROVAL_DECIDED = "approval.decided", "Approval request decided (approved, rejected or withdrawn)"
    WEBHOOK_TEST = "webhook.test", "Test event (sent on request only)"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending: to be sent or retried"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed: every attempt failed"


DELIVERY_STATE_COLOURS = {
    DeliveryState.PENDING: "#6c757d",
    DeliveryState.SUCCEEDED: "#198754",
    DeliveryState.FAILED: "#dc3545",
}
