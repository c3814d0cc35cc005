"""A device checks in: record what it reports (only when it changed), decide, and make the offer.

A device that reports nothing new and whose answer is remembered costs no query
(devices.session); otherwise one (the device, which brings its updates along:
rollouts.prefetch) and no write; the first offer of a release also inserts the
DeviceUpdate and its event (and, when it would ask for the device's consent, reads
the device's auto-confirm again under its row lock: consent.offer_start).

A new offer (a first offer, or a new attempt of an update that ended: ``is_new_offer``)
is made only within its rollout's rate budget (rollouts.services.budget); a device the
budget refuses is answered nothing now, and nothing is written for it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.models import Device, DeviceEvent
from rollouts.decision import Decision, Report, earliest, judge
from rollouts.models import FAILURE_STATUSES, DeviceUpdate, LogChannel, UpdateStatus
from rollouts.policy import ProductPolicy, ReleasePolicy
from rollouts.services import budget, consent, update_log
from rollouts.services.update_log import Report as LogReport


@dataclass(frozen=True)
class Offer:
    release: ReleasePolicy
    update: DeviceUpdate


def record_report(device: Device, report: Report) -> bool:
    """Lay the report over the device's agent version, installed versions and attributes.

    Reported modules and attributes are merged (``Report.laid_over``). Writes the
    device and one event only when something changed; returns whether it did.
    """
    changes = {name: value for name, value in report.laid_over(device).items() if value != getattr(device, name)}
    if not changes:
        return False
    for name, value in changes.items():
        setattr(device, name, value)
    with transaction.atomic():
        device.save(update_fields=[*changes, "updated_at"])
        DeviceEvent.objects.create(device=device, kind=DeviceEvent.Kind.VERSIONS_REPORTED,
                                   message="reported " + ", ".join(sorted(changes)), data=changes)
    return True


# An update that ended so is offered again as a new attempt: canceled (its rollout aborted, then started
# again), or failed, timed out or rolled back when the decision says a retry is due (rollouts.retries).
NEW_ATTEMPT_FROM = FAILURE_STATUSES | {UpdateStatus.CANCELED}


def is_new_offer(decision: Decision) -> bool:
    """Whether making the decision's offer writes one: a first offer or a new attempt (the rate budget counts
    these), rather than giving the offer already made again."""
    return decision.update is None or decision.update.status in NEW_ATTEMPT_FROM


def make_offer(device: Device, decision: Decision) -> Offer:
    """The device's update of the decided release: the existing one, a new one on the first offer, or the
    existing one as a new attempt (``is_new_offer``)."""
    release, update = decision.release, decision.update
    if not is_new_offer(decision):
        return Offer(release, update)
    installed = (device.installed_versions or {}).get(release.module, "")
    with transaction.atomic():
        first, auto_confirmed = consent.offer_start(device, release)
        if update is not None:
            update = _new_attempt(update, release, installed, first)
            if update is None:  # a concurrent check-in of the same device started it first
                return Offer(release, DeviceUpdate.objects.get(pk=decision.update.pk))
        else:
            try:
                with transaction.atomic():
                    update = DeviceUpdate.objects.create(device=device, release_id=release.release_id, status=first,
                                                         phase=release.phase_position, from_version=installed)
            except IntegrityError:  # a concurrent check-in of the same device made it first
                return Offer(release, DeviceUpdate.objects.get(device=device, release_id=release.release_id))
        retry = retry_note(decision, update)
        notes = [note for note in (retry, auto_confirmed) if note]
        DeviceEvent.objects.create(
            device=device, kind=DeviceEvent.Kind.UPDATE_OFFERED,
            message=f"offered {release.module} {release.version}" + "".join(f"; {note}" for note in notes),
            data={"updateId": update.pk, "releaseId": release.release_id, "attempt": update.attempt},
        )
        if retry:
            ended = decision.update
            update_log.append(update, update.status, LogReport(LogChannel.PORTAL, "retry", (
                f"attempt {ended.attempt} {ended.status}: {retry}",)))
    return Offer(release, update)


def retry_note(decision: Decision, update: DeviceUpdate) -> str:
    """``retry, attempt 2 of 3`` for a new attempt after a failure; empty for any other offer."""
    if decision.update is None or decision.update.status not in FAILURE_STATUSES:
        return ""
    return f"retry, attempt {update.attempt} of {decision.release.max_attempts}"


def _new_attempt(ended: DeviceUpdate, release: ReleasePolicy, installed: str, first: str) -> DeviceUpdate | None:
    """Start the next attempt of an update that ended, in status ``first``, under its row lock; None when a
    concurrent request started it first (the row moved on since the decision read it)."""
    update = DeviceUpdate.objects.select_for_update().get(pk=ended.pk)
    if (update.status, update.attempt) != (ended.status, ended.attempt):
        return None
    now = timezone.now()
    update.status, update.reason, update.finished_at = first, "", None
    update.attempt += 1
    update.phase, update.from_version, update.offered_at = release.phase_position, installed, now
    update.status_changed_at = now
    update.save()
    return update


@dataclass(frozen=True)
class Answer:
    """What a device is told (an offer, or None for nothing now) and until when that holds for it by itself."""

    offer: Offer | None
    holds_until: datetime | None  # a retry comes due, or the refusing budget's minute ends (None: no such moment)


def answer(device: Device, snapshot: ProductPolicy, carried: dict | None, now: datetime) -> Answer:
    """Decide under ``snapshot`` and make the offer, a new one only within its rollout's rate budget."""
    verdict = judge(device, now=now, snapshot=snapshot, carried=carried)
    decision = verdict.decision
    if decision is None:
        return Answer(None, verdict.holds_until)
    # Taken before the offer is written: one a concurrent request for the same device then makes instead
    # is spent all the same, which errs on the side of fewer offers.
    if is_new_offer(decision) and not budget.admit(decision.release, now):
        return Answer(None, earliest(verdict.holds_until, budget.next_minute(now)))
    return Answer(make_offer(device, decision), verdict.holds_until)


def check_in(device: Device, report: Report, snapshot: ProductPolicy, carried: dict | None,
             now: datetime | None = None) -> Answer:
    """Record the report and answer the update the device should install next, if any, at ``now``.

    ``snapshot``: the policy of the device's product the answer is decided under; ``carried``:
    the device's updates read with it (rollouts.prefetch), None to read them.
    """
    record_report(device, report)
    return answer(device, snapshot, carried, now or timezone.now())
