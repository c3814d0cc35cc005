"""Rollout transitions: the one path the admin, the APIs, the commands and the periodic task share.

Each function locks the rollout row, re-reads it, checks the transition, writes
the change and a RolloutEvent in one transaction, and returns the rollout.
Starting or widening a rollout writes nothing per device: membership in a
phase is a stable hash (rollouts.buckets), and DeviceUpdate rows appear only
when a device is offered the release.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from otaportal import audit_context
from rollouts.models import (
    OPEN_STATUSES,
    DeviceFilter,
    DeviceUpdate,
    EventKind,
    Rollout,
    RolloutEvent,
    RolloutFilter,
    RolloutPhase,
    RolloutState,
    Strategy,
    UpdateStatus,
)
from rollouts.services import approval_rules, delivery
from rollouts.services.approval_rules import ApprovalStep
from rollouts.services.progress import phase_outcomes

logger = logging.getLogger(__name__)

UNSET = object()


class TransitionError(Exception):
    """The rollout is not in a state that allows this transition (APIs answer 409)."""


class ApprovalRequired(TransitionError):
    """The product holds this step for another user's approval (approvals.services asks for it)."""

    def __init__(self, step: str, reason: str):
        super().__init__(f"{reason} Request approval for it (the admin, the API and the commands do).")
        self.step = step


def _hold_for_approval(step: str, reason: str | None, approved_by) -> None:
    """Raise ApprovalRequired when a rule says the step needs approval and nobody approved it."""
    if reason is not None and approved_by is None:
        raise ApprovalRequired(step, reason)


@dataclass(frozen=True)
class FilterSpec:
    filter: DeviceFilter
    rollout_date: datetime | None = None


@dataclass(frozen=True)
class PhaseSpec:
    percentage: Decimal
    min_soak: timedelta = timedelta(0)
    success_threshold: Decimal = Decimal(95)
    failure_threshold: Decimal = Decimal(5)


def clean_percentage(value, name) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({name: "Give a number from 0 to 100."}) from None
    if not number.is_finite() or not 0 <= number <= 100 or number != number.quantize(Decimal("0.01")):
        raise ValidationError({name: "Give a number from 0 to 100 with at most two decimals."})
    return number


def validate_phases(phases) -> list[PhaseSpec]:
    """Percentages from 0.01 to 100 that never shrink; soak times not negative."""
    cleaned, previous = [], Decimal(0)
    for index, phase in enumerate(phases):
        where = f"phases[{index}]"
        percentage = clean_percentage(phase.percentage, f"{where}.percentage")
        if percentage <= 0:
            raise ValidationError({f"{where}.percentage": "A phase reaches more than 0 %."})
        if percentage < previous:
            raise ValidationError({f"{where}.percentage": "Phases never shrink: give percentages in rising order."})
        if phase.min_soak < timedelta(0):
            raise ValidationError({f"{where}.min_soak": "A soak time is not negative."})
        cleaned.append(PhaseSpec(percentage, phase.min_soak,
                                 clean_percentage(phase.success_threshold, f"{where}.success_threshold"),
                                 clean_percentage(phase.failure_threshold, f"{where}.failure_threshold")))
        previous = percentage
    return cleaned


def _locked(rollout: Rollout) -> Rollout:
    return Rollout.objects.select_for_update().select_related("release").get(pk=rollout.pk)


def _record(rollout: Rollout, kind: str, message: str, actor=None) -> RolloutEvent:
    logger.info("rollout %s of release %s: %s %s", rollout.pk, rollout.release_id, kind, message)
    return RolloutEvent.objects.create(rollout=rollout, kind=kind, message=message,
                                       actor=actor if getattr(actor, "pk", None) else None)


def _replace_filters(rollout: Rollout, filters) -> None:
    seen = set()
    for index, spec in enumerate(filters):
        if spec.filter.pk in seen:
            raise ValidationError({f"filters[{index}].filterId": f"Filter {spec.filter.pk} is given twice."})
        seen.add(spec.filter.pk)
    rollout.rollout_filters.all().delete()
    links = RolloutFilter.objects.bulk_create(
        [RolloutFilter(rollout=rollout, filter=spec.filter, rollout_date=spec.rollout_date) for spec in filters]
    )
    audit_context.rows_created.send(sender=RolloutFilter, instances=links)


def _replace_phases(rollout: Rollout, phases: list[PhaseSpec]) -> None:
    rollout.phases.all().delete()
    created = RolloutPhase.objects.bulk_create([
        RolloutPhase(rollout=rollout, position=position, percentage=phase.percentage, min_soak=phase.min_soak,
                     success_threshold=phase.success_threshold, failure_threshold=phase.failure_threshold)
        for position, phase in enumerate(phases)
    ])
    audit_context.rows_created.send(sender=RolloutPhase, instances=created)
    rollout.current_phase = min(rollout.current_phase, max(len(phases) - 1, 0))


def _describe(rollout: Rollout) -> str:
    filters = ", ".join(
        f"{link.filter.name}" + (f" from {link.rollout_date.isoformat()}" if link.rollout_date else "")
        for link in rollout.rollout_filters.select_related("filter")
    )
    phases = " → ".join(f"{phase.percentage.normalize():f} %" for phase in rollout.phases.all())
    draft = "draft, not started: " if rollout.state == RolloutState.DRAFT else ""
    return (f"{draft}strategy {rollout.strategy}; filters: {filters or 'none'}; phases: {phases or '100 %'}; "
            + delivery.describe(rollout))


def set_policy(rollout: Rollout, *, strategy=UNSET, filters=UNSET, phases=UNSET, actor=None,
               kind=EventKind.POLICY_CHANGED, message="", approved_by=None, **options) -> Rollout:
    """Change what the policy says (arguments left out stay as they are); the state is kept.

    ``filters`` is a list of FilterSpec, ``phases`` a list of PhaseSpec (replacing
    the existing ones; positions become 0, 1, 2…); ``options`` are the rollout's
    delivery fields (rollouts.services.delivery.FIELDS: action type, timeouts,
    retries, rate budget, consent). Saving the rollout drops the
    product's cached policy (rollouts.signals). A draft stays a draft whatever its
    strategy: its phase clock starts with ``start``, not here. Switching a live rollout
    to general may need ``approved_by`` (rollouts.services.approval_rules).
    """
    if strategy is not UNSET and strategy not in Strategy.values:
        raise ValidationError({"strategy": f"Use one of {', '.join(Strategy.values)}."})
    if phases is not UNSET:
        phases = validate_phases(phases)
    options = delivery.clean(rollout, options)
    with transaction.atomic():
        rollout = _locked(rollout)
        if strategy is not UNSET:
            _hold_for_approval(ApprovalStep.GENERAL, approval_rules.switch_to_general(rollout, strategy),
                               approved_by)
            rollout.strategy = strategy
        for name, value in options.items():
            setattr(rollout, name, value)
        delivery.check_together(rollout)
        if filters is not UNSET:
            _replace_filters(rollout, filters)
        if phases is not UNSET:
            _hold_for_approval(ApprovalStep.PHASES, approval_rules.phases_widening(
                rollout, [phase.percentage for phase in phases]), approved_by)
            _replace_phases(rollout, phases)
        if (rollout.state != RolloutState.DRAFT and rollout.strategy != Strategy.SUSPENDED
                and rollout.phase_started_at is None):
            rollout.phase_started_at = timezone.now()
        rollout.save()
        _record(rollout, kind, message or _describe(rollout), actor)
    return rollout


def start(rollout: Rollout, *, strategy, filters=UNSET, phases=UNSET, actor=None,
          approved_by=None) -> Rollout:
    """Set the strategy (targeted or general), filters and phases and run from the first phase."""
    if strategy not in (Strategy.TARGETED, Strategy.GENERAL):
        raise ValidationError({"strategy": "A rollout starts targeted or general."})
    with transaction.atomic():
        rollout = _locked(rollout)
        _hold_for_approval(ApprovalStep.START, approval_rules.start(rollout), approved_by)
        rollout.state, rollout.state_reason = RolloutState.RUNNING, ""
        rollout.current_phase, rollout.phase_started_at = 0, timezone.now()
        rollout.save()
        return set_policy(rollout, strategy=strategy, filters=filters, phases=phases, actor=actor,
                          kind=EventKind.STARTED, approved_by=approved_by)


def _phases(rollout: Rollout) -> list[RolloutPhase]:
    return list(rollout.phases.order_by("position"))


def phase_in_force(rollout: Rollout, phases=None) -> RolloutPhase | None:
    phases = _phases(rollout) if phases is None else phases
    in_force = [phase for phase in phases if phase.position <= rollout.current_phase]
    return in_force[-1] if in_force else (phases[0] if phases else None)


def advance_blockers(rollout: Rollout, phase: RolloutPhase, now=None) -> list[str]:
    """Why the phase may not end yet: soak time not over, success threshold not met."""
    now = now or timezone.now()
    blockers = []
    soaked_since = rollout.phase_started_at or now
    if now - soaked_since < phase.min_soak:
        blockers.append(f"the phase soaks until {(soaked_since + phase.min_soak).isoformat()}")
    outcomes = phase_outcomes(rollout.release_id, phase.position)
    if outcomes.outcomes < settings.OTA_ROLLOUT_MIN_OUTCOMES:
        blockers.append(f"{outcomes.outcomes} of the phase's updates have an outcome, "
                        f"{settings.OTA_ROLLOUT_MIN_OUTCOMES} needed")
    elif outcomes.success_rate is not None and outcomes.success_rate < phase.success_threshold:
        blockers.append(f"{outcomes.success_rate:.1f} % of outcomes succeeded, "
                        f"{phase.success_threshold.normalize():f} % needed")
    return blockers


def advance_phase(rollout: Rollout, *, force=False, actor=None, approved_by=None) -> Rollout:
    """Widen to the next phase (or complete after the last) once the current phase has proved itself.

    Without ``force``, the phase's soak time must be over and its success
    threshold met. Raises TransitionError otherwise, and ApprovalRequired when widening
    needs ``approved_by`` (rollouts.services.approval_rules).
    """
    with transaction.atomic():
        rollout = _locked(rollout)
        if rollout.state != RolloutState.RUNNING:
            raise TransitionError(f"Only a running rollout advances; this one is {rollout.state}.")
        if rollout.strategy == Strategy.SUSPENDED:
            raise TransitionError("A suspended rollout does not advance: start it first.")
        phases = _phases(rollout)
        current = phase_in_force(rollout, phases)
        if current is None:
            raise TransitionError("The rollout has no phases: it already reaches every eligible device.")
        blockers = [] if force else advance_blockers(rollout, current)
        if blockers:
            raise TransitionError("The phase cannot end yet: " + "; ".join(blockers) + ".")
        later = [phase for phase in phases if phase.position > current.position]
        forced = " (forced)" if force else ""
        if not later:
            rollout.state = RolloutState.COMPLETED
            rollout.save(update_fields=["state", "updated_at"])
            _record(rollout, EventKind.COMPLETED,
                    f"completed at {current.percentage.normalize():f} %{forced}", actor)
            return rollout
        _hold_for_approval(ApprovalStep.WIDEN, approval_rules.widening(rollout, later[0].percentage),
                           approved_by)
        rollout.current_phase, rollout.phase_started_at = later[0].position, timezone.now()
        rollout.save(update_fields=["current_phase", "phase_started_at", "updated_at"])
        _record(rollout, EventKind.PHASE_ADVANCED,
                f"phase {current.position + 1} → {later[0].position + 1}: {current.percentage.normalize():f} % → "
                f"{later[0].percentage.normalize():f} %{forced}", actor)
    return rollout


def pause(rollout: Rollout, reason: str = "", *, actor=None, automatic=False) -> Rollout:
    """Stop offering the release to devices not yet offered it; offers already made stand."""
    reason = (reason or "").strip() or "paused by an operator"
    with transaction.atomic():
        rollout = _locked(rollout)
        if rollout.state == RolloutState.PAUSED:
            return rollout
        if rollout.state != RolloutState.RUNNING:
            raise TransitionError(f"Only a running rollout pauses; this one is {rollout.state}.")
        rollout.state, rollout.state_reason = RolloutState.PAUSED, reason
        rollout.save(update_fields=["state", "state_reason", "updated_at"])
        _record(rollout, EventKind.AUTO_PAUSED if automatic else EventKind.PAUSED, reason, actor)
    return rollout


def resume(rollout: Rollout, *, actor=None, message="", approved_by=None) -> Rollout:
    with transaction.atomic():
        rollout = _locked(rollout)
        if rollout.state == RolloutState.RUNNING:
            return rollout
        if rollout.state != RolloutState.PAUSED:
            raise TransitionError(f"Only a paused rollout resumes; this one is {rollout.state}. Start it again.")
        _hold_for_approval(ApprovalStep.RESUME, approval_rules.resume(rollout), approved_by)
        previous = rollout.state_reason
        rollout.state, rollout.state_reason = RolloutState.RUNNING, ""
        rollout.save(update_fields=["state", "state_reason", "updated_at"])
        _record(rollout, EventKind.RESUMED, message or f"resumed (was paused: {previous})", actor)
    return rollout


def abort(rollout: Rollout, reason: str, *, actor=None) -> Rollout:
    """Stop the rollout for good and withdraw offers not yet being installed (they become canceled)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the rollout is aborted."})
    with transaction.atomic():
        rollout = _locked(rollout)
        if rollout.state == RolloutState.ABORTED:
            return rollout
        canceled = withdraw_open_offers(rollout.release_id, f"rollout aborted: {reason}")
        rollout.state, rollout.state_reason = RolloutState.ABORTED, reason
        rollout.save(update_fields=["state", "state_reason", "updated_at"])
        _record(rollout, EventKind.ABORTED, f"{reason} ({canceled} open offers canceled)", actor)
    return rollout


def withdraw_open_offers(release_id, reason: str) -> int:
    """Cancel the release's offers no device has started installing; how many were canceled.

    Devices learn it on their next poll (hawkBit's cancelAction); updates already
    being installed are left to finish.
    """
    now = timezone.now()
    return DeviceUpdate.objects.filter(release_id=release_id, status__in=OPEN_STATUSES).update(
        status=UpdateStatus.CANCELED, reason=reason, finished_at=now, updated_at=now, status_changed_at=now,
    )


def release_deprecated(release) -> int:
    """A deprecated release is withdrawn like an aborted rollout: its open offers are canceled."""
    reason = release.deprecate_reason or "no reason given"
    with transaction.atomic():
        canceled = withdraw_open_offers(release.pk, f"release deprecated: {reason}")
        if canceled:
            rollout = Rollout.objects.filter(release=release).first()
            if rollout is not None:
                _record(rollout, EventKind.OFFERS_WITHDRAWN,
                        f"release deprecated ({reason}): {canceled} open offers canceled", None)
    return canceled


def advance_due_phases(now=None) -> int:
    """Advance every running rollout whose phase has soaked long enough and met its success threshold."""
    now = now or timezone.now()
    advanced = 0
    running = Rollout.objects.filter(state=RolloutState.RUNNING, phases__isnull=False).exclude(
        strategy=Strategy.SUSPENDED).distinct()
    for rollout in running.iterator():
        phase = phase_in_force(rollout)
        if phase is None or advance_blockers(rollout, phase, now):
            continue
        try:
            advance_phase(rollout)
            advanced += 1
        except TransitionError as error:  # changed meanwhile: judged again next time
            logger.info("rollout %s not advanced: %s", rollout.pk, error)
    return advanced
