"""A device checks in: record what it reports (only when it changed), decide, and make the offer.

A device that reports nothing new costs one query (the token lookup, which
brings the device's updates along: rollouts.prefetch), one Redis round trip (its
rate limit and its product's policy generation) and no write; the first offer of
a release also inserts the DeviceUpdate and its event.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from devices.models import Device, DeviceEvent
from rollouts.decision import Decision, Report, decide
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.policy import ReleasePolicy


@dataclass(frozen=True)
class Offer:
    release: ReleasePolicy
    update: DeviceUpdate


def record_report(device: Device, report: Report) -> bool:
    """Lay the report over the device's agent version, installed versions and attributes.

    Reported modules and attributes are merged: keys given replace the stored
    ones, others are kept (an operator's attributes survive a device that
    reports only its own). Writes the device and one event only when something
    changed; returns whether it did.
    """
    changes = {}
    if report.agent_version is not None and report.agent_version != device.agent_version:
        changes["agent_version"] = report.agent_version
    if report.modules:
        merged = {**(device.installed_versions or {}), **report.modules}
        if merged != device.installed_versions:
            changes["installed_versions"] = merged
    if report.attributes:
        merged = {**(device.attributes or {}), **report.attributes}
        if merged != device.attributes:
            changes["attributes"] = merged
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
    afresh as a new attempt.
    """
    release, update = decision.release, decision.update
    if update is not None and update.status != UpdateStatus.CANCELED:
        return Offer(release, update)
    installed = (device.installed_versions or {}).get(release.module, "")
    with transaction.atomic():
        if update is not None:
            update.status, update.reason, update.finished_at = UpdateStatus.OFFERED, "", None
            update.attempt += 1
            update.phase, update.from_version, update.offered_at = release.phase_position, installed, timezone.now()
            update.save()
        else:
            try:
                with transaction.atomic():
                    update = DeviceUpdate.objects.create(device=device, release_id=release.release_id,
                                                         phase=release.phase_position, from_version=installed)
            except IntegrityError:  # a concurrent check-in of the same device made it first
                return Offer(release, DeviceUpdate.objects.get(device=device, release_id=release.release_id))
        DeviceEvent.objects.create(
            device=device, kind=DeviceEvent.Kind.UPDATE_OFFERED,
            message=f"offered {release.module} {release.version}",
            data={"updateId": update.pk, "releaseId": release.release_id, "attempt": update.attempt},
        )
    return Offer(release, update)


def check_in(device: Device, report: Report) -> Offer | None:
    """Record the report and answer the update the device should install next, if any."""
    record_report(device, report)
    decision = decide(device)
    return make_offer(device, decision) if decision is not None else None
