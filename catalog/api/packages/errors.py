"""IoTDA's error body, ``{"error_code": "IOTDA.xxxxxx", "error_msg": "..."}``, for every error of the package API.

Codes are the ones IoTDA documents for the same situations (its "Error Codes"
page and the codes its clients handle):
- 400 IOTDA.000006 Invalid input data (a parameter breaks a value rule)
- 400 IOTDA.000008 Bad request (malformed JSON, wrong media type)
- 400 IOTDA.000017 The specified parameter 'limit' is out of range
- 401 IOTDA.000002 Authentication failed
- 403 IOTDA.000004 (IoTDA's 403 code; here: the user lacks the permission)
- 404 IOTDA.014000 The resource does not exist
Server-side failures (artifact storage not answering: 503) and too many failed
credentials from an address (429) carry this portal's own codes, OTA.000503 and
OTA.000429, rather than guessed IoTDA ones.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

INVALID_INPUT = "IOTDA.000006"
BAD_REQUEST = "IOTDA.000008"
LIMIT_OUT_OF_RANGE = "IOTDA.000017"
AUTHENTICATION_FAILED = "IOTDA.000002"
FORBIDDEN = "IOTDA.000004"
NOT_FOUND = "IOTDA.014000"
SERVER_ERROR = "OTA.000503"
TOO_MANY_FAILURES = "OTA.000429"

_CODES = {
    status.HTTP_401_UNAUTHORIZED: (AUTHENTICATION_FAILED, "Authentication failed."),
    status.HTTP_403_FORBIDDEN: (FORBIDDEN, "Forbidden."),
    status.HTTP_404_NOT_FOUND: (NOT_FOUND, "The resource does not exist."),
    status.HTTP_429_TOO_MANY_REQUESTS: (TOO_MANY_FAILURES, "Too many requests."),
}


class IotdaError(exceptions.APIException):
    """An error with its own IoTDA code (the others are derived from the status)."""

    def __init__(self, error_code: str, message: str, status_code: int = status.HTTP_400_BAD_REQUEST):
        super().__init__(message)
        self.error_code = error_code
        self.status_code = status_code


def flatten(detail, path="") -> list[str]:
    """``{"file_location": {"obs_location": {"sign": ["..."]}}}`` → ``["file_location.obs_location.sign: ..."]``."""
    if isinstance(detail, dict):
        return [line for key, value in detail.items()
                for line in flatten(value, f"{path}.{key}" if path else str(key))]
    if isinstance(detail, list):
        return [line for item in detail for line in flatten(item, path)]
    return [f"{path}: {detail}" if path and path != "non_field_errors" else str(detail)]


def code_for_status(status_code: int) -> str:
    """IoTDA's code for an error known only by its HTTP status."""
    if status_code in _CODES:
        return _CODES[status_code][0]
    return INVALID_INPUT if status_code < 500 else SERVER_ERROR


def _code_and_message(exc: exceptions.APIException) -> tuple[str, str]:
    if isinstance(exc, IotdaError):
        return exc.error_code, str(exc.detail)
    if isinstance(exc, exceptions.ValidationError):
        return INVALID_INPUT, "Invalid input data. " + "; ".join(flatten(exc.detail))
    if isinstance(exc, (exceptions.ParseError, exceptions.UnsupportedMediaType)):
        return BAD_REQUEST, f"Invalid input. Bad request: {exc.detail}"
    summary = _CODES[exc.status_code][1] if exc.status_code in _CODES else "Request failed."
    return code_for_status(exc.status_code), f"{summary} {exc.detail}"


def iotda_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    error_code, error_msg = _code_and_message(exc)
    set_rollback()
    return Response({"error_code": error_code, "error_msg": error_msg}, status=exc.status_code, headers=headers)
