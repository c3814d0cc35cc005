from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, permissions

from devices import ratelimit, tokens
from otaportal.ratelimit import client_address, refuse_bad_credentials, too_many_failures


def admit(request, device, address: str, also_read: tuple = ()) -> None:
    """Count the device's request (DeviceRateThrottle reads the verdict) and refuse a guessing address.

    The cache keys ``also_read`` come in the same Redis round trip and are left on the
    device as ``prefetched_cache`` ({key: value}) for the endpoint that asked for them.
    """
    admission = ratelimit.admit(device.pk, address, settings.OTA_DEVICE_RATE_LIMIT,
                                settings.OTA_AUTH_FAILURE_LIMIT, also_read=also_read)
    if not admission.address.allowed:
        raise too_many_failures(admission.address.retry_after)
    request.device_rate_verdict = admission.request
    device.prefetched_cache = admission.reads


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """``x-access-token: <device token>``. ``request.user`` is the Device, ``request.auth`` its token."""

    header = "HTTP_X_ACCESS_TOKEN"

    def authenticate(self, request):
        plaintext = request.META.get(self.header, "").strip()
        if not plaintext:
            return None
        seen_from = client_address(request)
        address = seen_from or "unknown"
        device = tokens.authenticate(plaintext, self.devices())
        if device is None:
            refuse_bad_credentials(address, "Invalid device token.")
        admit(request, device, address, self.cache_keys(device))
        tokens.mark_seen(device, seen_from)
        return device, plaintext

    def devices(self):
        """Where the token is looked up; a view's subclass annotates what it needs in the same query."""
        return None

    def cache_keys(self, device) -> tuple:
        """Cache keys a view's subclass wants read in the rate limit's Redis round trip."""
        return ()

    def authenticate_header(self, request):
        return "x-access-token"


class IsDevice(permissions.BasePermission):
    """Only requests authenticated as a device pass."""

    def has_permission(self, request, view):
        from devices.models import Device

        return isinstance(request.user, Device)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    match_subclasses = True
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "x-access-token"}
