"""Device tokens: shown once, stored as a prefix and a SHA-256, checked in one indexed query."""

from django.utils import timezone

from catalog import secrets
from devices.models import Device
from devices.stamps import forget_tokens


def issue_token(device: Device) -> str:
    """Give the device a new token (the old one stops working at once, on every host) and return its plaintext."""
    forget_tokens(device.token_prefix)
    issued = secrets.issue(Device.TOKEN_KIND)
    device.token_prefix, device.token_digest = issued.prefix, issued.digest
    device.token_rotated_at = timezone.now()
    if device.pk:
        device.save(update_fields=["token_prefix", "token_digest", "token_rotated_at", "updated_at"])
    return issued.plaintext


def authenticate(plaintext: str, devices=None) -> Device | None:
    """The active device owning this token, with its product, or None.

    ``devices`` (default: every device) lets an API annotate what it needs in the same query.
    """
    devices = Device.objects.all() if devices is None else devices
    return secrets.find(devices.select_related("product").filter(is_active=True), plaintext, Device.TOKEN_KIND,
                        prefix_field="token_prefix", digest_field="token_digest")
