"""``GET /api/v1/device/ping``: authenticates the device token and answers a constant body.

The benchmarks measure the check-in against this endpoint in the same server:
it pays exactly what every device request pays (the device session's round trip:
token, last-seen, the per-device rate limit; DRF's request handling) and nothing
else, so the ratio between the two is the cost of the update decision itself.
Agents may use it to test their token.
"""

from drf_spectacular.drainage import set_override
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.views import APIView

from devices.api import idle
from devices.api.authentication import DeviceTokenAuthentication
from devices.api.device_endpoint import DeviceEndpoint

PONG = {"status": "ok"}
ANSWER = idle.answer(200, PONG)  # rendered once: the answer never changes


class PingAuthentication(DeviceTokenAuthentication):
    loads_device = False  # the session alone says the token works


set_override(PingAuthentication, "suppress_collision_warning", True)


class DevicePingView(DeviceEndpoint, APIView):
    authentication_classes = [PingAuthentication]

    @extend_schema(
        summary="Check a device token",
        responses=inline_serializer("DevicePing", {"status": serializers.CharField()}),
        tags=["device check-in"],
    )
    def get(self, request):
        return idle.response(request, ANSWER)
