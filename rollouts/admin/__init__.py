"""Rollouts in the admin: one module per admin class, registered on import."""

from . import (  # noqa: F401
    device_consent, device_filters, device_pages, device_updates, events, release_guide, rollouts,
)
# After device_updates: it adds the action log to the device update's page.
from . import update_log  # noqa: F401
