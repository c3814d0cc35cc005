"""The colours the console draws statuses, states and strategies in (badges, bars, charts)."""

from rollouts.models import RolloutState, Strategy, UpdateStatus

UPDATE_STATUS_COLOURS = {
    UpdateStatus.OFFERED: "#6c757d",
    UpdateStatus.AWAITING_CONFIRMATION: "#ffc107",
    UpdateStatus.CONFIRMED: "#8d99ae",
    UpdateStatus.DENIED: "#e9a0a8",
    UpdateStatus.DOWNLOADING: "#0dcaf0",
    UpdateStatus.DOWNLOADED: "#0d6efd",
    UpdateStatus.INSTALLING: "#6610f2",
    UpdateStatus.INSTALLED: "#20c997",
    UpdateStatus.COMMITTED: "#198754",
    UpdateStatus.ROLLED_BACK: "#fd7e14",
    UpdateStatus.FAILED: "#dc3545",
    UpdateStatus.REJECTED: "#adb5bd",
    UpdateStatus.CANCELED: "#343a40",
    UpdateStatus.TIMED_OUT: "#b02a37",
}
ROLLOUT_STATE_COLOURS = {
    RolloutState.DRAFT: "#6c757d",
    RolloutState.RUNNING: "#198754",
    RolloutState.PAUSED: "#ffc107",
    RolloutState.ABORTED: "#dc3545",
    RolloutState.COMPLETED: "#0d6efd",
}
STRATEGY_COLOURS = {
    Strategy.SUSPENDED: "#6c757d",
    Strategy.TARGETED: "#0dcaf0",
    Strategy.GENERAL: "#198754",
}
