from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from devices import tokens


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """``x-access-token: <device token>``. ``request.user`` is the Device, ``request.auth`` its token."""

    header = "HTTP_X_ACCESS_TOKEN"

    def authenticate(self, request):
        plaintext = request.META.get(self.header, "").strip()
        if not plaintext:
            return None
        device = tokens.authenticate(plaintext)
        if device is None:
            raise exceptions.AuthenticationFailed("Invalid device token.")
        tokens.mark_seen(device, request.META.get("REMOTE_ADDR"))
        return device, plaintext

    def authenticate_header(self, request):
        return "x-access-token"


class IsDevice(permissions.BasePermission):
    """Only requests authenticated as a device pass."""

    def has_permission(self, request, view):
        from devices.models import Device

        return isinstance(request.user, Device)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "x-access-token"}
