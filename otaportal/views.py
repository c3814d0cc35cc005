"""Errors outside DRF views still answer JSON under the API prefixes, in each surface's own shape.

Django answers some errors itself, around the views: an unknown Host or a body over
DATA_UPLOAD_MAX_MEMORY_SIZE (handler400), an unknown path (handler404), an exception no view
caught (handler500). The edge middleware (otaportal.middleware) refuses what no view should
see. All of them answer through ``api_error``, which picks the shape by path prefix as the
surfaces' own exception handlers do.
"""

from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from django.views import defaults

from catalog.api.packages.errors import code_for_status
from otaportal import surfaces
from rollouts.api.ddi.errors import BY_STATUS, CONSTRAINT, exception_info

# hawkBit's class for a parameter it refuses (400); its statuses without a class of their own (413, 500).
DDI_KINDS = {**BY_STATUS, 400: CONSTRAINT}
DDI_UNCLASSIFIED = ("otaportal.Error", None)
# Django's 400s that deserve a message of their own (any other SuspiciousOperation: "Bad request.").
BAD_REQUESTS = {
    DisallowedHost: (400, "The Host header names a host this server does not serve."),
    RequestDataTooBig: (413, "The request body is larger than this server accepts."),
    TooManyFieldsSent: (400, "The request has more form or query fields than this server accepts."),
    TooManyFilesSent: (400, "The request has more files than this server accepts."),
}


def api_error(request, status: int, message: str, parameters=()) -> JsonResponse | None:
    """The error body of the API surface the request's path belongs to; None outside the APIs.

    ``parameters`` names the fields at fault, for shapes with a place for them (hawkBit's).
    """
    surface = surfaces.surface_of(request.path)
    if surface == surfaces.KAA:
        body = {"message": message}
    elif surface == surfaces.DDI:
        body = exception_info(DDI_KINDS.get(status, DDI_UNCLASSIFIED), message, parameters)
    elif surface == surfaces.IOTDA:
        body = {"error_code": code_for_status(status), "error_msg": message}
    elif surface == surfaces.DRF:
        body = {"detail": message}
    else:
        return None
    return JsonResponse(body, status=status)


def bad_request(request, exception):
    status, message = next((answer for kind, answer in BAD_REQUESTS.items() if isinstance(exception, kind)),
                           (400, "Bad request."))
    return api_error(request, status, message) or defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return api_error(request, 403, "Permission denied.") or defaults.permission_denied(request, exception)


def not_found(request, exception=None):
    return api_error(request, 404, "Not found.") or defaults.page_not_found(request, exception)


def server_failure(request):
    return api_error(request, 500, "Internal server error.") or defaults.server_error(request)
