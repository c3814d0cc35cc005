from rest_framework.negotiation import BaseContentNegotiation

from devices.api.authentication import DeviceTokenAuthentication, IsDevice


class IgnoreAcceptHeader(BaseContentNegotiation):
    """Device agents send all sorts of ``Accept`` headers (RAUC asks downloads for application/octet-stream):
    answer JSON, or the file, regardless."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DeviceEndpoint:
    """Mixin for views devices call: ``x-access-token`` auth, devices only, per-device rate limit.

    ``request.auth`` is the DeviceSession; ``request.user`` the Device (with its product
    loaded) unless the view's authentication answers idle requests without it.
    """

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = []  # the session counts the device's requests (devices.session)
    content_negotiation_class = IgnoreAcceptHeader
