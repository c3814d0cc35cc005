"""django-axes' lock-out answer for admin logins, with ``Retry-After`` as every other 429 of the portal."""

from axes.conf import settings
from axes.helpers import get_cache_timeout, get_lockout_message
from django.http import HttpResponse


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """Axes' own plain answer (AXES_COOLOFF_MESSAGE, AXES_HTTP_RESPONSE_CODE), saying when to try again.

    The address is locked out for the cool-off from its latest attempt, which is this one.
    """
    response = HttpResponse(get_lockout_message(), status=settings.AXES_HTTP_RESPONSE_CODE)
    cool_off_seconds = get_cache_timeout(request)
    if cool_off_seconds:
        response["Retry-After"] = str(cool_off_seconds)
    return response
