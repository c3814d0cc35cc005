"""hawkBit's controller authentication: ``Authorization: TargetToken …`` or ``GatewayToken …``.

A target token is a device's own token (devices.tokens) and only opens the
paths of that device's controllerId: another device's id answers 401, as in
hawkBit, where the token is checked against the target named in the path. A
gateway token (devices.gateway_tokens) opens every controllerId of its
product; an unknown one is registered by the root poll. The tenant path
segment must be settings.OTA_DDI_TENANT (any letter case).

``request.auth`` is the Controller below: the device's session (devices.session),
or the gateway token with the device's session when the controllerId is known;
``request.user`` the Device when it was read (None for a controllerId a gateway has
not registered yet, and on the root poll's idle path).
"""

from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from devices import gateway_tokens
from devices.api.authentication import admitted
from devices.models import Device, GatewayToken
from devices.session import DeviceSession, device_session, load_device, open_session
from otaportal.ratelimit import client_address, refuse_bad_credentials
from rollouts.services.ddi.controller import controllers

TARGET_TOKEN, GATEWAY_TOKEN = "TargetToken", "GatewayToken"
WRONG_TARGET = "Invalid target token for this controllerId."


@dataclass(frozen=True)
class Controller:
    """Who asks, for which controllerId: a device session, or a gateway token with the device if it is known."""

    controller_id: str
    session: DeviceSession | None
    gateway: GatewayToken | None = None

    @property
    def device(self) -> Device | None:
        return None if self.session is None else self.session.device


class DdiAuthentication(authentication.BaseAuthentication):
    # False: the view may answer a target token's request from its session alone (the root poll).
    loads_device = True

    def devices(self):
        """Where the device is read; the root poll's subclass annotates what it needs in the same query."""
        return controllers(with_state=False)

    def authenticate(self, request):
        kwargs = request.parser_context.get("kwargs", {})
        controller_id = kwargs.get("controllerId", "")
        scheme, _, credentials = authentication.get_authorization_header(request).decode("latin-1").partition(" ")
        scheme, credentials = scheme.strip(), credentials.strip()
        if not scheme:
            return None
        if kwargs.get("tenant", "").lower() != settings.OTA_DDI_TENANT.lower():
            raise exceptions.AuthenticationFailed(f"Unknown tenant {kwargs.get('tenant')!r}.")
        if scheme.lower() not in (TARGET_TOKEN.lower(), GATEWAY_TOKEN.lower()):
            raise exceptions.AuthenticationFailed(f"Use {TARGET_TOKEN} or {GATEWAY_TOKEN} authorization.")
        seen_from = client_address(request)
        address = seen_from or "unknown"
        if scheme.lower() == TARGET_TOKEN.lower():
            controller = self._target(credentials, controller_id, address, seen_from)
        else:
            controller = self._gateway(credentials, controller_id, address, seen_from)
        return controller.device, controller

    def _target(self, plaintext, controller_id, address, seen_from) -> Controller:
        session = open_session(plaintext, address, seen_from, self.devices())
        if session is not None and session.uid != controller_id:
            # Another device's controllerId: refused like a wrong token, so nothing about it leaks.
            refuse_bad_credentials(address, WRONG_TARGET)
        session = admitted(session, address)
        if self.loads_device:
            session = load_device(session, self.devices())
            if session is None:
                refuse_bad_credentials(address, WRONG_TARGET)
        return Controller(controller_id, session)

    def _gateway(self, plaintext, controller_id, address, seen_from) -> Controller:
        gateway = gateway_tokens.authenticate(plaintext)
        if gateway is None:
            refuse_bad_credentials(address, "Invalid or revoked gateway token.")
        device = self.devices().select_related("product").filter(uid=controller_id).first()
        if device is not None and (device.product_id != gateway.product_id or not device.is_active):
            refuse_bad_credentials(address, "This gateway token may not act for this controllerId.")
        gateway_tokens.mark_used(gateway)
        session = None if device is None else admitted(device_session(device, address, seen_from), address)
        return Controller(controller_id, session, gateway)

    def authenticate_header(self, request):
        return f'{TARGET_TOKEN} realm="hawkBit DDI"'


class RootPollAuthentication(DdiAuthentication):
    """The root poll's: the device's updates and what DDI says of them come in the device's query
    (rollouts.services.ddi.controller), read only when the session cannot answer alone."""

    loads_device = False

    def devices(self):
        return controllers(with_state=True)


# The same "ddiToken" security scheme as its base class (DdiTokenScheme below).
set_override(RootPollAuthentication, "suppress_collision_warning", True)


class IsController(permissions.BasePermission):
    """Only requests authenticated by DdiAuthentication pass (an anonymous one answers 401)."""

    def has_permission(self, request, view):
        return isinstance(request.auth, Controller)


class DdiTokenScheme(OpenApiAuthenticationExtension):
    target_class = DdiAuthentication
    match_subclasses = True
    name = "ddiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`TargetToken <device token>` (the device's own token) or `GatewayToken <token>` "
                           "(from `manage.py create_gateway_token PRODUCT`: any device of the product).",
        }
