"""Rollouts in the admin: one module per admin class, registered on import."""

from . import device_filters, device_updates, events, rollouts  # noqa: F401
