"""Which rollout steps wait for a second person's approval (four-eyes), by the product's setting.

A product with ``requires_approval`` holds four steps for approval: starting a rollout,
widening it to more than the product's ``approval_threshold`` percentage (by advancing, or
by editing a live rollout's phases so that the phase in force reaches further), switching
a live rollout to ``general``, and resuming a rollout that paused itself (its failure
threshold was crossed). Each rule answers why the step needs approval, or None. The
transitions apply them under the rollout's lock; the approvals app, a layer above,
turns a step that needs approval into a request.
"""

from decimal import Decimal

from django.db import models

from rollouts.models import EventKind, Rollout, RolloutState, Strategy

# States in which the rollout offers the release or may again without a new start.
LIVE_STATES = (RolloutState.RUNNING, RolloutState.PAUSED, RolloutState.COMPLETED)


class ApprovalStep(models.TextChoices):
    START = "start", "Start the rollout"
    WIDEN = "widen", "Widen to the next phase"
    GENERAL = "general", "Switch to general"
    RESUME = "resume", "Resume after an automatic pause"
    PHASES = "phases", "Widen a live rollout's phase in force by editing its phases"


def _product(rollout: Rollout):
    return rollout.release.product


def start(rollout: Rollout) -> str | None:
    product = _product(rollout)
    if product.requires_approval:
        return f"Starting a rollout of {product.key} needs another user's approval."
    return None


def widening(rollout: Rollout, percentage: Decimal) -> str | None:
    product = _product(rollout)
    if product.requires_approval and percentage > product.approval_threshold:
        return (f"Widening a rollout of {product.key} to {percentage.normalize():f} % (more than "
                f"{product.approval_threshold.normalize():f} %) needs another user's approval.")
    return None


def in_force_percentage(percentages: list[Decimal], current_phase: int) -> Decimal:
    """The percentage of the phase in force; a rollout without phases reaches every eligible device."""
    if not percentages:
        return Decimal(100)
    return percentages[min(current_phase, len(percentages) - 1)]


def phases_widening(rollout: Rollout, percentages: list[Decimal]) -> str | None:
    """Replacing a live rollout's phases with ``percentages`` widens its phase in force past the threshold."""
    product = _product(rollout)
    if not product.requires_approval or rollout.state not in LIVE_STATES:
        return None
    stored = list(rollout.phases.order_by("position").values_list("percentage", flat=True))
    before = in_force_percentage(stored, rollout.current_phase)
    after = in_force_percentage(percentages, rollout.current_phase)
    if after > before and after > product.approval_threshold:
        return (f"Editing the phases of a live rollout of {product.key} widens the phase in force from "
                f"{before.normalize():f} % to {after.normalize():f} % (more than "
                f"{product.approval_threshold.normalize():f} %): that needs another user's approval.")
    return None


def switch_to_general(rollout: Rollout, strategy: str) -> str | None:
    product = _product(rollout)
    if (product.requires_approval and strategy == Strategy.GENERAL and rollout.strategy != Strategy.GENERAL
            and rollout.state in LIVE_STATES):
        return f"Switching a live rollout of {product.key} to general needs another user's approval."
    return None


def resume(rollout: Rollout) -> str | None:
    product = _product(rollout)
    if not product.requires_approval:
        return None
    last_pause = rollout.events.filter(kind__in=[EventKind.PAUSED, EventKind.AUTO_PAUSED]).first()
    if last_pause is not None and last_pause.kind == EventKind.AUTO_PAUSED:
        return f"Resuming a rollout of {product.key} that paused itself needs another user's approval."
    return None
