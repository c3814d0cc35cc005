"""A DDI controller (a device) polls: what it should do next, in at most two queries.

The root poll reads the device with what DDI needs to know about its updates
annotated in the same query (``controllers(with_state=True)``), then runs the
rollout decision (rollouts.decision.decide, whose one query is the device's
updates of the releases still in the running) and makes the offer as check-in
does (rollouts.services.checkin.make_offer): an idle device costs one query,
a device with an update pending two, whatever the size of the fleet.

hawkBit's actions are our DeviceUpdate rows (actionId = DeviceUpdate.id):

- ``deploymentBase``: the decision's offer; or, without one, the newest update
  the device already started (downloading, downloaded, installing) so that it
  can finish it even if its rollout was paused meanwhile.
- ``cancelAction``: an update withdrawn before the device started installing
  it (its rollout aborted, its release deprecated), until the device answers
  the cancellation. It comes before any new deployment, as in hawkBit.
- ``installedBase``: the newest update the device installed.
- ``configData``: while the device has no attributes, and after each
  installed update until the device sends its attributes.
"""

import zlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from catalog.choices import ReleaseStatus
from devices.models import Device, DeviceEvent
from devices.services import DeviceExists, register_device
from rollouts.decision import decide
from rollouts.models import OPEN_STATUSES, SUCCESS_STATUSES, DeviceUpdate, UpdateStatus
from rollouts.services.checkin import make_offer

# Updates the device has started working on: still deployable even without an offer.
STARTED_STATUSES = (UpdateStatus.DOWNLOADING, UpdateStatus.DOWNLOADED, UpdateStatus.INSTALLING)
# hawkBit's sleep is HH:MM:SS; agents parse it with a 24-hour clock (RAUC: strptime %H:%M:%S).
LONGEST_SLEEP = timedelta(hours=23, minutes=59, seconds=59)
SHORTEST_SLEEP = timedelta(seconds=1)


def controllers(with_state: bool = False):
    """Devices, with (for the root poll) what DDI needs about their updates annotated in the same query."""
    devices = Device.objects.all()
    if not with_state:
        return devices
    updates = DeviceUpdate.objects.filter(device=OuterRef("pk"))

    def newest(queryset):
        return Subquery(queryset.order_by("-updated_at", "-pk").values("pk")[:1])

    return devices.annotate(
        ddi_cancel_id=newest(updates.filter(status=UpdateStatus.CANCELED, cancel_acknowledged_at__isnull=True)),
        ddi_started_id=newest(updates.filter(status__in=STARTED_STATUSES)),
        ddi_installed_id=newest(updates.filter(status__in=SUCCESS_STATUSES)),
        ddi_attributes_due=Exists(updates.filter(status__in=SUCCESS_STATUSES, attributes_sent_at__isnull=True)),
        ddi_withdrawn=Exists(updates.filter(status__in=OPEN_STATUSES).exclude(release__status=ReleaseStatus.ACTIVE)),
    )


def sleep_of(product) -> str:
    """The product's polling interval as hawkBit's ``HH:MM:SS``, kept within one day."""
    interval = min(max(product.poll_interval, SHORTEST_SLEEP), LONGEST_SLEEP)
    seconds = int(interval.total_seconds())
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def resource_hash(action_id: int, update_type: str, attempt: int) -> int:
    """hawkBit's ``c`` parameter: a signed 32-bit hash that changes when the action's handling changes."""
    value = zlib.crc32(f"{action_id}:{update_type}:{attempt}".encode())
    return value - (1 << 32) if value >= 1 << 31 else value


@dataclass(frozen=True)
class Deployment:
    action_id: int
    resource: int  # the ``c`` of the deploymentBase link


@dataclass(frozen=True)
class ControllerState:
    """What the root poll tells a controller."""

    sleep: str
    deployment: Deployment | None = None
    cancel_action_id: int | None = None
    installed_action_id: int | None = None
    request_attributes: bool = False


def poll(device: Device) -> ControllerState:
    """The controller's next step; makes the decision's offer as check-in does (first time only)."""
    cancel_id = getattr(device, "ddi_cancel_id", None)
    if getattr(device, "ddi_withdrawn", False):
        cancel_id = withdraw_deprecated(device) or cancel_id
    deployment = None
    if cancel_id is None:
        deployment = _deployment(device)
    return ControllerState(
        sleep=sleep_of(device.product),
        deployment=deployment,
        cancel_action_id=cancel_id,
        installed_action_id=getattr(device, "ddi_installed_id", None),
        request_attributes=not device.attributes or getattr(device, "ddi_attributes_due", False),
    )


def _deployment(device: Device) -> Deployment | None:
    decision = decide(device)
    if decision is not None:
        offer = make_offer(device, decision)
        update = offer.update
        return Deployment(update.pk, resource_hash(update.pk, offer.release.update_type, update.attempt))
    started_id = getattr(device, "ddi_started_id", None)
    if started_id is None:
        return None
    update = DeviceUpdate.objects.select_related("release__rollout").filter(pk=started_id).first()
    if update is None:
        return None
    return Deployment(update.pk, resource_hash(update.pk, update_type_of(update), update.attempt))


def update_type_of(update: DeviceUpdate) -> str:
    """``forced`` or ``attempt``: the rollout's update type (hawkBit's download and update handling)."""
    rollout = getattr(update.release, "rollout", None)
    return rollout.update_type if rollout is not None else "forced"


def withdraw_deprecated(device: Device) -> int | None:
    """Cancel the device's updates of deprecated releases not yet being installed; the newest canceled id.

    An aborted rollout cancels its open offers itself (rollouts.services.transitions.abort);
    deprecating a release does not, so the first DDI poll after it does, with the same
    rule: only offers the device has not started installing.
    """
    now = timezone.now()
    with transaction.atomic():
        withdrawn = list(
            DeviceUpdate.objects.select_for_update()
            .filter(device=device, status__in=OPEN_STATUSES)
            .exclude(release__status=ReleaseStatus.ACTIVE)
            .select_related("release")
            .order_by("-updated_at", "-pk")
        )
        for update in withdrawn:
            reason = update.release.deprecate_reason or "no reason given"
            update.status, update.reason, update.finished_at = (
                UpdateStatus.CANCELED, f"release deprecated: {reason}", now)
            update.save(update_fields=["status", "reason", "finished_at", "updated_at"])
            DeviceEvent.objects.create(
                device=device, kind=DeviceEvent.Kind.UPDATE_STATUS,
                message=f"{update.release.version}: canceled (release deprecated)",
                data={"updateId": update.pk, "status": UpdateStatus.CANCELED},
            )
    return withdrawn[0].pk if withdrawn else None



class ForeignController(Exception):
    """The controllerId belongs to a device of another product than the gateway token's."""


def register_controller(gateway, controller_id: str) -> Device:
    """Register an unknown controllerId polling with a gateway token, in the token's product.

    Raises ValidationError for a controllerId that is not a valid device uid. A
    concurrent first poll of the same id finds the device the other one made.
    """
    try:
        issued = register_device(gateway.product, controller_id, actor=f"gateway token {gateway.prefix}")
    except DeviceExists:
        device = Device.objects.select_related("product").get(uid=controller_id)
        if device.product_id != gateway.product_id or not device.is_active:
            raise ForeignController(controller_id) from None
        return device
    return issued.device
