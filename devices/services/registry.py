"""The device registry's actions: the API, the admin and the commands all call these.

Each action is atomic and writes a DeviceEvent saying what happened and who did
it, so a device's page tells its history.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.models import Product
from devices import tokens
from devices.models import Device, DeviceEvent
from devices.stamps import forget_devices, forget_tokens


class DeviceExists(Exception):
    """A device with this uid is already registered."""

    def __init__(self, uid: str):
        super().__init__(f"A device with uid {uid!r} is already registered.")
        self.uid = uid


# The product is resolved before a device is built (checking it again would cost
# a query per device in bulk imports); the token is issued after validation.
UNCHECKED_FIELDS = ["product", "token_prefix", "token_digest"]


@dataclass(frozen=True)
class IssuedDevice:
    """A device and the plaintext of its new token, which is never stored."""

    device: Device
    token: str


def _actor_data(actor) -> dict:
    return {"by": str(actor)} if actor is not None else {}


def record_event(device: Device, kind: str, message: str = "", data: dict | None = None,
                 actor=None) -> DeviceEvent:
    return DeviceEvent.objects.create(
        device=device, kind=kind, message=message, data={**(data or {}), **_actor_data(actor)}
    )


def resolve_product(product) -> Product:
    """A Product given as an instance or a key; a ValidationError naming ``product`` otherwise."""
    if isinstance(product, Product):
        return product
    found = Product.objects.filter(key=product or "").first()
    if found is None:
        raise ValidationError({"product": f"Unknown product {product!r}."})
    return found


def build_device(product: Product, uid: str, *, name: str = "", attributes: dict | None = None,
                 tags: list | None = None, agent_version: str = "",
                 installed_versions: dict | None = None) -> Device:
    """An unsaved, fully validated device (uniqueness is left to the database)."""
    device = Device(
        product=product, uid=uid, name=name, attributes=attributes or {}, tags=_unique(tags or []),
        agent_version=agent_version, installed_versions=installed_versions or {},
    )
    device.full_clean(exclude=UNCHECKED_FIELDS, validate_unique=False)
    return device


def register_device(product, uid: str, *, actor=None, **fields) -> IssuedDevice:
    """Create a device with a fresh token. Raises ValidationError or DeviceExists."""
    device = build_device(resolve_product(product), uid, **fields)
    plaintext = tokens.issue_token(device)
    try:
        with transaction.atomic():
            device.save()
            record_event(device, DeviceEvent.Kind.REGISTERED, "Registered.", actor=actor)
    except IntegrityError:
        if Device.objects.filter(uid=uid).exists():
            raise DeviceExists(uid) from None
        raise
    return IssuedDevice(device, plaintext)


def rotate_token(device: Device, *, actor=None) -> str:
    """Give the device a new token; the old one stops working at once. Returns the plaintext."""
    with transaction.atomic():
        plaintext = tokens.issue_token(device)
        record_event(device, DeviceEvent.Kind.TOKEN_ROTATED, "Token rotated.", actor=actor)
    return plaintext


def _set_active(device: Device, active: bool, kind: str, message: str, actor) -> Device:
    with transaction.atomic():
        changed = Device.objects.filter(pk=device.pk, is_active=not active).update(is_active=active)
        device.is_active = active
        if changed:
            forget_tokens(device.token_prefix)  # a bulk update sends no post_save
            forget_devices(device.pk)
            record_event(device, kind, message, actor=actor)
    return device


def deactivate_device(device: Device, *, actor=None, reason: str = "") -> Device:
    """Stop the device's token from working at once (idempotent)."""
    message = f"Deactivated: {reason}" if reason else "Deactivated."
    return _set_active(device, False, DeviceEvent.Kind.DEACTIVATED, message, actor)


def activate_device(device: Device, *, actor=None) -> Device:
    """Let the device's current token work again (idempotent)."""
    return _set_active(device, True, DeviceEvent.Kind.ACTIVATED, "Activated.", actor)


def _unique(items: list) -> list:
    return list(dict.fromkeys(items)) if isinstance(items, list) else items


def update_device(device: Device, *, actor=None, **changes) -> Device:
    """Change a device's name, attributes or tags (whole values replaced), validated first."""
    allowed = {"name", "attributes", "tags"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in sorted(unknown)})
    if "tags" in changes:
        changes["tags"] = _unique(changes["tags"])
    changed = {field: value for field, value in changes.items() if getattr(device, field) != value}
    if not changed:
        return device
    previous = {field: getattr(device, field) for field in changed}
    for field, value in changed.items():
        setattr(device, field, value)
    try:
        device.full_clean(exclude=UNCHECKED_FIELDS, validate_unique=False)
    except ValidationError:
        for field, value in previous.items():
            setattr(device, field, value)
        raise
    with transaction.atomic():
        device.save(update_fields=[*changed, "updated_at"])
        record_event(device, DeviceEvent.Kind.UPDATED, f"Changed {', '.join(sorted(changed))}.",
                     data={"changed": changed}, actor=actor)
    return device
