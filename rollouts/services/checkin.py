"""A device checks in: record what it reports (only when it changed), decide, and make the offer.

A device that reports nothing new and whose answer is remembered costs no query
(devices.session); otherwise one (the device, which brings its updates along:
rollouts.prefetch) and no write; the first offer of a release also inserts the
DeviceUpdate and its event.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.models import Device, DeviceEvent
from rollouts.decision import Decision, Report, decide
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.policy import ProductPolicy, ReleasePolicy
from rollouts.services import consent


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


def make_offer(device: Device, decision: Decision) -> Offer:
    """The device's update of the decided release: the existing one, or a new one on the first offer.

    A canceled update (its rollout was aborted, then started again) is offered
    afresh as a new attempt. An offer starts awaiting the device's confirmation
    when its rollout asks for consent (rollouts.services.consent).
    """
    release, update = decision.release, decision.update
    if update is not None and update.status != UpdateStatus.CANCELED:
        return Offer(release, update)
    installed = (device.installed_versions or {}).get(release.module, "")
    first = consent.first_status(device, release)
    with transaction.atomic():
        if update is not None:
            now = timezone.now()
            update.status, update.reason, update.finished_at = first, "", None
            update.attempt += 1
            update.phase, update.from_version, update.offered_at = release.phase_position, installed, now
            update.status_changed_at = now
            update.save()
        else:
            try:
                with transaction.atomic():
                    update = DeviceUpdate.objects.create(device=device, release_id=release.release_id, status=first,
                                                         phase=release.phase_position, from_version=installed)
            except IntegrityError:  # a concurrent check-in of the same device made it first
                return Offer(release, DeviceUpdate.objects.get(device=device, release_id=release.release_id))
        DeviceEvent.objects.create(
            device=device, kind=DeviceEvent.Kind.UPDATE_OFFERED,
            message=f"offered {release.module} {release.version}" + "".join(
                f"; {note}" for note in (consent.auto_confirmed_note(device, release),) if note),
            data={"updateId": update.pk, "releaseId": release.release_id, "attempt": update.attempt},
        )
    return Offer(release, update)


def check_in(device: Device, report: Report, snapshot: ProductPolicy, carried: dict | None) -> Offer | None:
    """Record the report and answer the update the device should install next, if any.

    ``snapshot``: the policy of the device's product the answer is decided under; ``carried``:
    the device's updates read with it (rollouts.prefetch), None to read them.
    """
    record_report(device, report)
    decision = decide(device, snapshot=snapshot, carried=carried)
    return make_offer(device, decision) if decision is not None else None
