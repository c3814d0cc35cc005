"""Device domain actions; the API, the admin and the management commands call these."""

from .registry import (
    DeviceExists,
    IssuedDevice,
    activate_device,
    build_device,
    deactivate_device,
    record_event,
    register_device,
    resolve_product,
    rotate_token,
    update_device,
)

__all__ = [
    "DeviceExists",
    "IssuedDevice",
    "activate_device",
    "build_device",
    "deactivate_device",
    "record_event",
    "register_device",
    "resolve_product",
    "rotate_token",
    "update_device",
]
