"""Kaa's error shape: every failure answers ``{"message": "..."}`` naming the field at fault."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from otaportal.api_errors import exception_handler as project_exception_handler

# Model field names as Kaa calls them, for validation errors raised by models and services.
KAA_FIELD_NAMES = {
    "allowed_source_versions": "upgradableFrom",
    "version": "softwareVersion",
    "strategy": "rolloutStrategy",
    "skip_dispatching_to_endpoint": "skipDispatchingToEndpoint",
    "file_name": "file",
    "product": "appName",
}


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="Detailed error description.")


class KaaError(exceptions.APIException):
    """An error with a status and a message, answered as Kaa answers it."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status_code = status


def message_body(status_code: int, message: str) -> dict:
    """Kaa's error shape, ``{"message": …}``, for an error known by its status alone."""
    return {"message": message}


def flatten(detail, path: str = "") -> list[str]:
    """``["filters[0].filterId: Must be a valid UUID.", ...]`` from DRF's nested error detail."""
    if isinstance(detail, dict):
        messages = []
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{path}[{key}]"
            elif key in ("non_field_errors", "__all__"):
                name = path
            else:
                name = f"{path}.{key}" if path else key
            messages.extend(flatten(value, name))
        return messages
    if isinstance(detail, list):
        if any(isinstance(item, (dict, list)) for item in detail):
            messages = []
            for index, item in enumerate(detail):
                if item:
                    messages.extend(flatten(item, f"{path}[{index}]"))
            return messages
        return [f"{path}: {item}" if path else str(item) for item in detail]
    return [f"{path}: {detail}" if path else str(detail)]


def kaa_names(error: DjangoValidationError) -> DjangoValidationError | exceptions.ValidationError:
    """A model's validation error with its fields named as Kaa names them."""
    if not hasattr(error, "error_dict"):
        return error
    return exceptions.ValidationError(
        {KAA_FIELD_NAMES.get(field, field): messages for field, messages in error.message_dict.items()}
    )


def kaa_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = kaa_names(exc)
    response = project_exception_handler(exc, context)
    if response is None:
        return None
    message = " ".join(flatten(response.data.get("detail", response.data)
                               if isinstance(response.data, dict) and set(response.data) == {"detail"}
                               else response.data))
    headers = {name: value for name, value in response.items()
               if name in ("WWW-Authenticate", "Allow", "Retry-After")}
    return Response({"message": message}, status=response.status_code, headers=headers)
