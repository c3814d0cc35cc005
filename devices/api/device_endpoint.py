from rest_framework.negotiation import BaseContentNegotiation

from devices.api.authentication import DeviceTokenAuthentication, IsDevice
from devices.api.throttling import DeviceRateThrottle


class IgnoreAcceptHeader(BaseContentNegotiation):
    """Device agents send all sorts of ``Accept`` headers; answer JSON (or the file) regardless."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DeviceEndpoint:
    """Mixin for views devices call: ``x-access-token`` auth, devices only, per-device rate limit.

    ``request.user`` is the Device (with its product loaded).
    """

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = [DeviceRateThrottle]
    content_negotiation_class = IgnoreAcceptHeader
