"""hawkBit's controller authentication: ``Authorization: TargetToken …`` or ``GatewayToken …``.

A target token is a device's own token (devices.tokens) and only opens the
paths of that device's controllerId: another device's id answers 401, as in
hawkBit, where the token is checked against the target named in the path. A
gateway token (devices.gateway_tokens) opens every controllerId of its
product; an unknown one is registered by the root poll. The tenant path
segment must be settings.OTA_DDI_TENANT (any letter case).

``request.user`` is the Device (None for a controllerId a gateway has not
registered yet) and ``request.auth`` the Controller below.
"""

from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from devices import gateway_tokens, tokens
from devices.api.authentication import admit
from devices.models import Device, GatewayToken
from otaportal.ratelimit import client_address, refuse_bad_credentials
from rollouts import policy
from rollouts.services.ddi.controller import controllers

TARGET_TOKEN, GATEWAY_TOKEN = "TargetToken", "GatewayToken"


@dataclass
class Controller:
    """Who asks, for which controllerId."""

    controller_id: str
    device: Device | None
    gateway: GatewayToken | None = None


class DdiAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        kwargs = request.parser_context.get("kwargs", {})
        view = request.parser_context.get("view")
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
        with_state = getattr(view, "needs_controller_state", False)
        queryset = controllers(with_state=with_state)
        if scheme.lower() == TARGET_TOKEN.lower():
            controller = self._target(credentials, controller_id, queryset, address)
        else:
            controller = self._gateway(credentials, controller_id, queryset, address)
        if controller.device is not None:
            # The root poll decides: its policy generation comes with the rate limit's round trip.
            admit(request, controller.device, address,
                  policy.device_cache_keys(controller.device) if with_state else ())
            tokens.mark_seen(controller.device, seen_from)
        return controller.device, controller

    @staticmethod
    def _target(plaintext, controller_id, queryset, address) -> Controller:
        device = tokens.authenticate(plaintext, queryset)
        if device is None or device.uid != controller_id:
            # Another device's controllerId: refused like a wrong token, so nothing about it leaks.
            refuse_bad_credentials(address, "Invalid target token for this controllerId.")
        return Controller(controller_id, device)

    @staticmethod
    def _gateway(plaintext, controller_id, queryset, address) -> Controller:
        gateway = gateway_tokens.authenticate(plaintext)
        if gateway is None:
            refuse_bad_credentials(address, "Invalid or revoked gateway token.")
        device = queryset.select_related("product").filter(uid=controller_id).first()
        if device is not None and (device.product_id != gateway.product_id or not device.is_active):
            refuse_bad_credentials(address, "This gateway token may not act for this controllerId.")
        gateway_tokens.mark_used(gateway)
        return Controller(controller_id, device, gateway)

    def authenticate_header(self, request):
        return f'{TARGET_TOKEN} realm="hawkBit DDI"'


class IsController(permissions.BasePermission):
    """Only requests authenticated by DdiAuthentication pass (an anonymous one answers 401)."""

    def has_permission(self, request, view):
        return isinstance(request.auth, Controller)


class DdiTokenScheme(OpenApiAuthenticationExtension):
    target_class = DdiAuthentication
    name = "ddiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`TargetToken <device token>` (the device's own token) or `GatewayToken <token>` "
                           "(from `manage.py create_gateway_token PRODUCT`: any device of the product).",
        }
