import ipaddress

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from devices import ratelimit, tokens


def client_address(request) -> str | None:
    """The caller's IP address.

    Behind ``OTA_TRUSTED_PROXY_COUNT`` reverse proxies that each append to
    X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), it is the entry the
    outermost trusted proxy added; entries further left are the client's own word.
    """
    address = request.META.get("REMOTE_ADDR")
    hops = settings.OTA_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        candidate = forwarded[-hops]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return address


def refuse_when_guessing(request) -> str | None:
    """Answer 429 to an address that sent too many bad tokens this minute; returns the address."""
    address = client_address(request) or "unknown"
    verdict = ratelimit.failed_authentications(address, settings.OTA_AUTH_FAILURE_LIMIT)
    if not verdict.allowed:
        raise exceptions.Throttled(wait=verdict.retry_after, detail="Too many invalid tokens from this address.")
    return address


def refuse_bad_token(address: str, message: str):
    ratelimit.count_failed_authentication(address)
    raise exceptions.AuthenticationFailed(message)


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """``x-access-token: <device token>``. ``request.user`` is the Device, ``request.auth`` its token."""

    header = "HTTP_X_ACCESS_TOKEN"

    def authenticate(self, request):
        plaintext = request.META.get(self.header, "").strip()
        if not plaintext:
            return None
        address = refuse_when_guessing(request)
        device = tokens.authenticate(plaintext)
        if device is None:
            refuse_bad_token(address, "Invalid device token.")
        tokens.mark_seen(device, client_address(request))
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
