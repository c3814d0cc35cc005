"""Rollouts in the admin: one module per admin class, registered on import."""

from . import device_filters, device_pages, device_updates, events, release_guide, rollouts  # noqa: F401
# After device_updates: it adds the action log to the device update's page.
from . import update_log  # noqa: F401
