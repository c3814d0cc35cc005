"""JSON errors for every API: each invalid field is named, nothing answers HTML."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class StorageUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "Artifact storage did not answer; try again later."
    default_code = "storage_unavailable"
