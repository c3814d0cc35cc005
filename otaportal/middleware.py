"""The edge of every request, before and after the views.

``RefuseNulCharacters``: PostgreSQL text and JSON cannot hold NUL (``\\u0000``), so a NUL in
a path segment or a query parameter reaching a lookup used to answer 500. Such a request is
refused here with 400 naming the parameter, before any view runs. (JSON bodies are checked
by otaportal.rest's parser, device tokens and other headers by the HTTP server: gunicorn
refuses NUL in headers.)

``JsonErrorsOnApiPaths``: an error under an API prefix that no JSON renderer answered (405
from a Django view, the schema view's YAML error) is answered as the surface's JSON error.
"""

from django.urls import Resolver404, resolve
from django.views import defaults

from otaportal.views import api_error

NUL = "\x00"
# Headers worth keeping when an error is rewritten as JSON.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def _nul_location(request) -> tuple[str, str] | None:
    """Where a NUL is, e.g. ``("The query parameter 'attr'", "attr")``; None without one."""
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in value for value in values):
            return f"The query parameter {name!r}", name
    if NUL not in request.path_info:
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return "The path", "path"
    name = next((name for name, value in match.kwargs.items() if NUL in str(value)), None)
    return (f"The path parameter {name!r}", name) if name else ("The path", "path")


class RefuseNulCharacters:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        location = _nul_location(request)
        if location is None:
            return self.get_response(request)
        where, parameter = location
        message = f"{where} contains a NUL character (\\u0000), which is not allowed."
        return api_error(request, 400, message, [parameter]) or defaults.bad_request(request, None)


class JsonErrorsOnApiPaths:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or "json" in response.get("Content-Type", ""):
            return response
        replacement = api_error(request, response.status_code, f"{response.reason_phrase}.")
        if replacement is None:
            return response
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
