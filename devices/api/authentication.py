"""Device authentication: the ``x-access-token`` opens the request's DeviceSession (devices.session).

``request.auth`` is the session; ``request.user`` its Device, or None where the view
may answer from the session alone (``loads_device = False``: the idle path) and
loads the device itself when it must (``session.load_device``).
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from devices.models import Device
from devices.session import DeviceSession, load_device, open_session
from otaportal.ratelimit import client_address, refuse_bad_credentials, too_many_failures

INVALID_TOKEN = "Invalid device token."


def admitted(session: DeviceSession | None, address: str) -> DeviceSession:
    """The session if its requests are allowed: 401 for a bad token, 429 for a guessing address or a busy device."""
    if session is None:
        refuse_bad_credentials(address, INVALID_TOKEN)
    if not session.address.allowed:
        raise too_many_failures(session.address.retry_after)
    if not session.requests.allowed:
        raise exceptions.Throttled(wait=session.requests.retry_after)
    return session


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """``x-access-token: <device token>``, at most OTA_DEVICE_RATE_LIMIT requests a minute per device."""

    header = "HTTP_X_ACCESS_TOKEN"
    # False: the view may answer from the session without the database (and loads the device itself).
    loads_device = True

    def authenticate(self, request):
        plaintext = request.META.get(self.header, "").strip()
        if not plaintext:
            return None
        seen_from = client_address(request)
        address = seen_from or "unknown"
        session = admitted(open_session(plaintext, address, seen_from, self.devices()), address)
        if self.loads_device:
            session = load_device(session, self.devices())
            if session is None:
                refuse_bad_credentials(address, INVALID_TOKEN)
        return session.device, session

    def devices(self):
        """Where the device is read; a view's subclass annotates what it needs in the same query."""
        return Device.objects.all()

    def authenticate_header(self, request):
        return "x-access-token"


class IsDevice(permissions.BasePermission):
    """Only requests with a device session pass."""

    def has_permission(self, request, view):
        return isinstance(request.auth, DeviceSession)


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = DeviceTokenAuthentication
    match_subclasses = True
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "x-access-token"}
