"""Errors outside DRF views still answer JSON under the API prefixes."""

from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error

from rollouts.api.ddi.errors import NOT_FOUND, exception_info

API_PREFIXES = ("/api/", "/v5/", "/otao/")


def _is_api(request):
    return request.path.startswith(API_PREFIXES) or "/controller/v1/" in request.path


def not_found(request, exception=None):
    if request.path.startswith("/otao/"):
        return JsonResponse({"message": "Not found."}, status=404)  # Kaa's error shape
    if "/controller/v1/" in request.path:
        return JsonResponse(exception_info(NOT_FOUND, "Not found."), status=404)  # hawkBit's error shape
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_failure(request):
    if _is_api(request):
        return JsonResponse({"detail": "Internal server error."}, status=500)
    return server_error(request)
