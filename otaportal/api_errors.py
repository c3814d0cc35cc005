"""The default DRF error shape every API surface starts from, and its OpenAPI descriptions.

Each invalid field is named and nothing answers HTML; the Kaa, IoTDA and hawkBit surfaces
reshape what ``exception_handler`` returns into their own error bodies.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class Conflict(exceptions.APIException):
    """The request is valid but the object's state does not allow it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's state does not allow this."
    default_code = "conflict"


FIELD_ERRORS = OpenApiResponse(OpenApiTypes.OBJECT,
                               description='JSON naming each invalid field: `{"field": ["message"]}`.')
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"detail": "Not found."}`')
CONFLICT = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"detail": "why"}`: the state does not allow it.')
