"""What devices report about an update: a validated state machine that drives the thresholds.

Progress moves forward within an attempt: ``offered → downloading →
downloaded → installing → installed → committed``. Steps may be skipped once
the device has reported ``downloading`` (so never ``installed`` straight after
the offer). ``failed`` may come at any step before ``committed``, ``rejected``
before installing starts, ``rolled_back`` once installing has started.
Reporting the current status again changes nothing. After ``failed``,
``downloading`` starts a new attempt while the rollout's attempts last
(``max_attempts``; past the last it is refused: the failure is final). ``committed``, ``rolled_back``,
``rejected`` and ``canceled`` are final, and so is ``timed_out``, which only the
portal writes (rollouts.services.timeouts): a device reporting on a timed-out
update is recorded (its log, an event) and answered, not refused.

A rollout that asks for the device's consent offers ``awaiting_confirmation``
first: only ``confirmed`` or ``denied`` may follow, ``confirmed`` then moves on as
``offered`` does and ``denied`` may still become ``confirmed``
(rollouts.services.consent writes these answers).

Every report is kept in the update's action log (rollouts.services.update_log),
with its reason.

``installed`` records the new version as the device's installed version (for
devices that never commit), ``committed`` confirms it, ``rolled_back`` restores
the version the update started from. A failure, rollback or timeout is judged
against the failure threshold of the phase the update was offered in; crossing
it pauses the rollout with the reason.
"""

import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from devices.models import Device, DeviceEvent
from rollouts.models import (
    FAILURE_STATUSES,
    FINAL_STATUSES,
    PROGRESS_ORDER,
    DeviceUpdate,
    LogChannel,
    Rollout,
    RolloutState,
    UpdateStatus,
)
from rollouts.services import budget, transitions, update_log
from rollouts.services.progress import phase_outcomes
from rollouts.services.update_log import Report

logger = logging.getLogger(__name__)

S = UpdateStatus
MAX_REASON = 2000
# The device's answers to a rollout that asks for its consent, and where each may lead.
CONSENT_ANSWERS = frozenset({S.CONFIRMED, S.DENIED})
CONSENT_MOVES = {S.AWAITING_CONFIRMATION: CONSENT_ANSWERS, S.DENIED: {S.CONFIRMED}, S.CONFIRMED: {S.DENIED}}


class InvalidTransition(Exception):
    """The update cannot move to that status from where it is (APIs answer 409)."""

    def __init__(self, update: DeviceUpdate, status: str, why: str):
        super().__init__(f"Update {update.pk} is {update.status}: {why}.")
        self.current = update.status
        self.requested = status
        self.why = why


def check_transition(update: DeviceUpdate, status: str) -> str:
    """``"repeat"``, ``"retry"`` (a new attempt) or ``"move"``; raises InvalidTransition."""
    current = update.status
    if status == current:
        return "repeat"
    if current in FINAL_STATUSES:
        raise InvalidTransition(update, status, f"{current} is final")
    if status in CONSENT_ANSWERS or current in (S.AWAITING_CONFIRMATION, S.DENIED):
        return _consent_step(update, status)
    stage = S.OFFERED if current == S.CONFIRMED else current  # confirmed: offered, with the device's consent
    if current == S.FAILED:
        if status == S.DOWNLOADING:
            return "retry"
        raise InvalidTransition(update, status, "after a failure only downloading (a new attempt) may follow")
    if status == S.FAILED:
        return "move"
    if status == S.REJECTED:
        if PROGRESS_ORDER.index(stage) >= PROGRESS_ORDER.index(S.INSTALLING):
            raise InvalidTransition(update, status, "the device already started installing it")
        return "move"
    if status == S.ROLLED_BACK:
        if PROGRESS_ORDER.index(stage) < PROGRESS_ORDER.index(S.INSTALLING):
            raise InvalidTransition(update, status, "nothing was installed to roll back")
        return "move"
    here, there = PROGRESS_ORDER.index(stage), PROGRESS_ORDER.index(status)
    if there < here:
        raise InvalidTransition(update, status, f"{status} cannot follow {current}")
    if stage == S.OFFERED and status != S.DOWNLOADING:
        raise InvalidTransition(update, status, "report downloading first")
    return "move"


def _consent_step(update: DeviceUpdate, status: str) -> str:
    """User consent (rollouts.services.consent): awaiting_confirmation → confirmed or denied; denied →
    confirmed (the device changed its mind); confirmed → denied (consent revoked before downloading).
    Nothing else until the device has confirmed."""
    current = update.status
    if status in CONSENT_MOVES.get(current, ()):
        return "move"
    if current in (S.AWAITING_CONFIRMATION, S.DENIED):
        raise InvalidTransition(update, status, "it awaits the device's consent: confirm it first")
    raise InvalidTransition(update, status, "it is not waiting for the device's confirmation")


def _set_installed_version(device_id, module: str, version: str) -> None:
    device = Device.objects.select_for_update().get(pk=device_id)
    versions = dict(device.installed_versions or {})
    if version and versions.get(module) != version:
        versions[module] = version
        device.installed_versions = versions
        device.save(update_fields=["installed_versions", "updated_at"])


def report_status(update: DeviceUpdate, status: str, reason: str = "") -> DeviceUpdate:
    """A check-in status report (the offer's statusUrl): applied, and kept in the update's log."""
    reason = (reason or "").strip()
    report = Report(LogChannel.CHECK_IN, status, (reason,) if reason else ())
    return apply_report(update, status, reason, logged_as=report)


def apply_report(update: DeviceUpdate, status: str, reason: str = "", *,
                 logged_as: Report | None = None) -> DeviceUpdate:
    """Move the update to ``status`` as a device reported; raises InvalidTransition for an impossible move.

    ``logged_as`` is the device's report as the update's log keeps it (None: a
    step the report implies, logged with the report itself). A report on a
    timed-out update is kept, not applied (``record_late_report``).
    """
    reason = (reason or "").strip()[:MAX_REASON]
    with transaction.atomic():
        update = (DeviceUpdate.objects.select_for_update(of=("self",))
                  .select_related("release__module").get(pk=update.pk))
        if update.status == S.TIMED_OUT:
            return update if logged_as is None else record_late_report(update, logged_as)
        step = check_transition(update, status)
        if step == "repeat":
            if logged_as is not None:
                update_log.append(update, update.status, logged_as)
            return update
        before = update.status
        if step == "retry":
            _check_attempts_left(update, status)
            update.attempt += 1
        now = timezone.now()
        update.status, update.reason, update.status_changed_at = status, reason, now
        update.finished_at = now if status in FINAL_STATUSES or status == S.FAILED else None
        update.save(update_fields=["status", "reason", "attempt", "finished_at", "status_changed_at", "updated_at"])
        module, release = update.release.module.name, update.release
        if status in (S.INSTALLED, S.COMMITTED):
            _set_installed_version(update.device_id, module, release.version)
        elif status == S.ROLLED_BACK:
            _set_installed_version(update.device_id, module, update.from_version)
        DeviceEvent.objects.create(
            device_id=update.device_id, kind=DeviceEvent.Kind.UPDATE_STATUS,
            message=f"{module} {release.version}: {status}" + (f" ({reason})" if reason else ""),
            data={"updateId": update.pk, "status": status, "attempt": update.attempt},
        )
        if logged_as is not None:
            update_log.append(update, status, logged_as)
        # The rate budget's growth follows the release's successes (rollouts.services.budget).
        transaction.on_commit(partial(budget.count_success_change, update.release_id, before, status))
    if status in FAILURE_STATUSES:
        judge_failures(update)
    return update


def _check_attempts_left(update: DeviceUpdate, status: str) -> None:
    """A device restarting its failed update starts an attempt: refused past the rollout's last."""
    attempts = Rollout.objects.filter(release_id=update.release_id).values_list("max_attempts", flat=True)
    max_attempts = attempts.first() or 1  # an update whose rollout is gone has its one attempt
    if update.attempt >= max_attempts:
        raise InvalidTransition(update, status, f"attempt {update.attempt} of {max_attempts} was the last, "
                                                f"the failure is final")


def record_late_report(update: DeviceUpdate, report: Report) -> DeviceUpdate:
    """A device reported on an update that had timed out: the report is kept and noted, the status stays.

    The timeout already counted as the phase's failure; the device's next
    check-in reports what it really runs.
    """
    with transaction.atomic():
        update_log.append(update, update.status, report)
        DeviceEvent.objects.create(
            device_id=update.device_id, kind=DeviceEvent.Kind.UPDATE_STATUS,
            message=f"reported {report.reported[:128]} after its update {update.pk} timed out (kept, not applied)",
            data={"updateId": update.pk, "status": update.status, "late": report.reported[:128]},
        )
    return update


def judge_failures(update: DeviceUpdate) -> Rollout | None:
    """Pause the rollout when the phase the update belongs to crossed its failure threshold.

    Runs in its own transaction after the report is saved: locking the rollout
    while holding the update's row could deadlock with ``abort``.
    """
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().filter(release_id=update.release_id).first()
        if rollout is None or rollout.state != RolloutState.RUNNING or update.phase != rollout.current_phase:
            return None
        phase = rollout.phases.filter(position=rollout.current_phase).first()
        if phase is None:
            return None
        outcomes = phase_outcomes(rollout.release_id, phase.position)
        if outcomes.outcomes < settings.OTA_ROLLOUT_MIN_OUTCOMES or outcomes.failure_rate <= phase.failure_threshold:
            return None
        reason = (
            f"failure threshold crossed in phase {phase.position + 1} ({phase.percentage.normalize():f} %): "
            f"{outcomes.failures} of {outcomes.outcomes} outcomes failed, rolled back or timed out "
            f"({outcomes.failure_rate:.1f} % > {phase.failure_threshold.normalize():f} %); "
            f"last: {update.status}" + (f" ({update.reason})" if update.reason else "")
        )
        return transitions.pause(rollout, reason, automatic=True)
