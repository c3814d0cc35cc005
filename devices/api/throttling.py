from django.conf import settings
from rest_framework.throttling import BaseThrottle

from devices import ratelimit
from devices.models import Device


class DeviceRateThrottle(BaseThrottle):
    """At most ``OTA_DEVICE_RATE_LIMIT`` requests a minute per device; then 429 with Retry-After.

    Runs after authentication, so it counts devices, not addresses; requests
    that are not a device's are left to the views' permissions. The device
    authentications count the request already (``authentication.admit``, in the
    round trip that checks the address); others are counted here.
    """

    def allow_request(self, request, view):
        if not isinstance(request.user, Device):
            return True
        self.verdict = getattr(request, "device_rate_verdict", None) or ratelimit.count_request(
            request.user.pk, settings.OTA_DEVICE_RATE_LIMIT)
        return self.verdict.allowed

    def wait(self):
        return self.verdict.retry_after
