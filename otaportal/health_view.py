"""``GET /health/`` for load balancers: public (no data, each check's state), JSON, 200 if healthy, else 503.

Its own module, apart from otaportal.views (the error handlers): it answers outside DRF, so that no
authentication or throttling of the APIs ever applies to it. Being public, it answers from a report
at most OTA_HEALTH_CACHE_SECONDS old, so that a flood of probes cannot multiply the worker pings and
storage requests behind it.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from otaportal import health

REPORT_KEY = "otaportal:health:report"


def _cached(operation, *args):
    # The cache is one of the things checked: when it is down the report must still be made.
    try:
        return operation(*args)
    except Exception:  # noqa: BLE001 - any failure of the cache's backend
        return None


@require_safe
@never_cache
def health_check(request):
    answer = _cached(cache.get, REPORT_KEY)
    if answer is None:
        report = health.report()
        answer = (report.as_dict(), 200 if report.ok else 503)
        _cached(cache.set, REPORT_KEY, answer, settings.OTA_HEALTH_CACHE_SECONDS)
    body, status = answer
    return JsonResponse(body, status=status)
