"""``PUT configData``: a controller's attributes, merged, replaced or removed, then targetable by filters.

Attribute keys ``installed_version`` (the product's ``default`` module) and
``installed_version.<module>`` also record the device's installed version of
that module, and ``agent_version`` its agent's version, so a DDI agent that
reports what it runs is offered updates like a check-in device (docs/ddi.md,
"configData").
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.models import DEFAULT_MODULE
from catalog.validators import module_name_validator, version_validator
from devices.models import Device, DeviceEvent
from devices.stamps import forget_devices
from rollouts.decision import Report
from rollouts.models import SUCCESS_STATUSES, DeviceUpdate
from rollouts.services.checkin import record_report

MERGE, REPLACE, REMOVE = "merge", "replace", "remove"
MODES = (MERGE, REPLACE, REMOVE)
VERSION_KEY = "installed_version"
AGENT_VERSION_KEY = "agent_version"


def _applied(current: dict, data: dict, mode: str) -> dict:
    if mode == REPLACE:
        return dict(data)
    if mode == REMOVE:
        return {key: value for key, value in current.items() if key not in data}
    return {**current, **data}


def _checked(key: str, value: str, module: str | None = None) -> str:
    try:
        if module is not None:
            module_name_validator(module)
        version_validator(value)
    except ValidationError as error:
        raise ValidationError({key: error.messages}) from None
    return value


def reported(data: dict) -> Report:
    """The installed versions and agent version the attributes carry; ValidationError naming a bad key."""
    versions = {}
    for key, value in data.items():
        if key == VERSION_KEY:
            versions[DEFAULT_MODULE] = _checked(key, value)
        elif key.startswith(VERSION_KEY + "."):
            module = key[len(VERSION_KEY) + 1:]
            versions[module] = _checked(key, value, module)
    agent = data.get(AGENT_VERSION_KEY)
    if agent is not None:
        try:
            Device._meta.get_field("agent_version").run_validators(agent)
        except ValidationError as error:
            raise ValidationError({AGENT_VERSION_KEY: error.messages}) from None
    return Report(agent_version=agent, modules=versions or None)


def update_config_data(device: Device, data: dict, mode: str = MERGE) -> Device:
    """Apply the controller's attributes; the request for attributes after an update ends.

    Raises ValidationError (naming the attribute) and changes nothing when the result is invalid.
    """
    if mode not in MODES:
        raise ValidationError({"mode": f"Use one of {', '.join(MODES)}."})
    attributes = _applied(device.attributes or {}, data, mode)
    Device._meta.get_field("attributes").run_validators(attributes)
    report = reported(data) if mode != REMOVE else Report()
    now = timezone.now()
    with transaction.atomic():
        record_report(device, report)
        previous = device.attributes or {}
        changed = sorted(key for key in {*previous, *attributes} if previous.get(key) != attributes.get(key))
        if changed:
            device.attributes = attributes
            device.save(update_fields=["attributes", "updated_at"])
            DeviceEvent.objects.create(
                device=device, kind=DeviceEvent.Kind.UPDATED,
                message=f"DDI configData ({mode}): {', '.join(changed)}",
                data={"attributes": attributes, "mode": mode},
            )
        DeviceUpdate.objects.filter(device=device, status__in=SUCCESS_STATUSES,
                                    attributes_sent_at__isnull=True).update(attributes_sent_at=now)
        forget_devices(device.pk)  # the bulk update sends no post_save: the root poll's configData link changed
    return device
