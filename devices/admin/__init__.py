"""The device registry in the admin: one module per admin class, registered on import."""

from . import devices, events, gateway_tokens  # noqa: F401
