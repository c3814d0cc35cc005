"""``GET /health/`` for load balancers: public (no data, each check's state), JSON, 200 if healthy, else 503.

Its own module, apart from otaportal.views (the error handlers): it answers outside DRF, so that no
authentication or throttling of the APIs ever applies to it.
"""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from otaportal import health


@require_safe
@never_cache
def health_check(request):
    report = health.report()
    return JsonResponse(report.as_dict(), status=200 if report.ok else 503)
