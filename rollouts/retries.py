"""Retries (docs/rollouts.md, "Retries"): which ended updates a rollout offers again, and from when.

A failed or timed-out update (a rolled-back one too when the rollout says so)
with attempts left is offered again once its back-off is over: ``retry_backoff``
doubled for each attempt made, from the moment the attempt ended.
"""

from datetime import datetime

from rollouts.models import RETRIED_STATUSES, DeviceUpdate, UpdateStatus
from rollouts.policy import ReleasePolicy


def retried(release: ReleasePolicy, update: DeviceUpdate) -> bool:
    """Whether the update's outcome is one the rollout retries: a failure or timeout, a rollback if it says so.

    Rejected and denied are the device's (or its user's) answer, never retried.
    """
    return update.status in RETRIED_STATUSES or (
        update.status == UpdateStatus.ROLLED_BACK and release.retry_rolled_back)


def retry_at(release: ReleasePolicy, update: DeviceUpdate) -> datetime | None:
    """When the ended attempt is offered again: its end plus the back-off, doubled for each attempt
    made; None when it is not retried (not a retried outcome, or the last attempt)."""
    if not retried(release, update) or update.attempt >= release.max_attempts:
        return None
    # Updates from before finished_at was kept on every failure: their last change is when they ended.
    ended = update.finished_at or update.status_changed_at
    return ended + release.retry_backoff * 2 ** (update.attempt - 1)
