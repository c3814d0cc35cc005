"""hawkBit's error shape, ExceptionInfo: ``exceptionClass``, ``errorCode``, ``message``, ``parameters``.

Class names and error codes are hawkBit's where hawkBit has the same error
(rest.body.notReadable for a bad body, repo.entityNotFound for an unknown
target or action…); ``parameters`` names the fields at fault.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from otaportal.api_errors import exception_handler as project_exception_handler
from rollouts.api.kaa.errors import flatten

NOT_READABLE = ("org.eclipse.hawkbit.rest.exception.MessageNotReadableException",
                "hawkbit.server.error.rest.body.notReadable")
NOT_FOUND = ("org.eclipse.hawkbit.repository.exception.EntityNotFoundException",
             "hawkbit.server.error.repo.entityNotFound")
BAD_ATTRIBUTES = ("org.eclipse.hawkbit.repository.exception.InvalidTargetAttributeException",
                  "hawkbit.server.error.repo.invalidTargetAttributes")
CONSTRAINT = ("jakarta.validation.ConstraintViolationException", "hawkbit.server.error.repo.constraintViolation")
UNAUTHORIZED = ("org.springframework.security.authentication.BadCredentialsException", None)
# Errors hawkBit has no exception class of its own for: ours, with no hawkBit error code.
BY_STATUS = {
    status.HTTP_401_UNAUTHORIZED: UNAUTHORIZED,
    status.HTTP_403_FORBIDDEN: ("org.springframework.security.access.AccessDeniedException",
                                "hawkbit.server.error.insufficientPermission"),
    status.HTTP_404_NOT_FOUND: NOT_FOUND,
    status.HTTP_405_METHOD_NOT_ALLOWED: ("org.springframework.web.HttpRequestMethodNotSupportedException", None),
    status.HTTP_406_NOT_ACCEPTABLE: ("org.springframework.web.HttpMediaTypeNotAcceptableException", None),
    status.HTTP_409_CONFLICT: ("otaportal.rollouts.InvalidTransition", None),
    status.HTTP_410_GONE: ("otaportal.rollouts.ActionClosed", None),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: ("org.springframework.web.HttpMediaTypeNotSupportedException", None),
    status.HTTP_429_TOO_MANY_REQUESTS: ("otaportal.devices.TooManyRequests", None),
}


OTHER = ("otaportal.Error", None)


class ExceptionInfoSerializer(serializers.Serializer):
    """hawkBit's ExceptionInfo."""

    exceptionClass = serializers.CharField()
    errorCode = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    parameters = serializers.ListField(child=serializers.CharField())


class DdiError(exceptions.APIException):
    """An error answered in hawkBit's shape with its own class and code."""

    def __init__(self, status_code: int, message: str, kind: tuple | None = None, parameters=()):
        super().__init__(message)
        self.status_code = status_code
        self.kind = kind or BY_STATUS.get(status_code, OTHER)
        self.parameters = list(parameters)


def not_found(message: str) -> DdiError:
    return DdiError(status.HTTP_404_NOT_FOUND, message, NOT_FOUND)


def not_readable(detail, kind=NOT_READABLE) -> DdiError:
    """400 for a body or parameter that cannot be read; ``detail`` is DRF's error detail."""
    messages = flatten(detail)
    fields = [message.split(": ", 1)[0] for message in messages if ": " in message]
    text = "The given request body is not well formed"
    return DdiError(status.HTTP_400_BAD_REQUEST, f"{text}: {' '.join(messages)}" if messages else text,
                    kind, parameters=fields)


def exception_info(kind: tuple, message: str, parameters=()) -> dict:
    exception_class, error_code = kind
    return {"exceptionClass": exception_class, "errorCode": error_code, "message": message,
            "parameters": list(parameters)}


def exception_info_of_status(status_code: int, message: str) -> dict:
    """ExceptionInfo for an error known by its status alone (a download's 416 or 503)."""
    return exception_info(BY_STATUS.get(status_code, OTHER), message)


def ddi_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        exc = not_readable(detail)
    elif isinstance(exc, exceptions.ValidationError):
        exc = not_readable(exc.detail)
    elif isinstance(exc, exceptions.ParseError):
        exc = not_readable(str(exc.detail))
    response = project_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, DdiError):
        body = exception_info(exc.kind, str(exc.detail), exc.parameters)
    else:
        message = " ".join(flatten(response.data.get("detail", response.data)
                                   if isinstance(response.data, dict) else response.data))
        body = exception_info(BY_STATUS.get(response.status_code, ("otaportal.Error", None)), message)
    headers = {name: value for name, value in response.items()
               if name in ("WWW-Authenticate", "Allow", "Retry-After")}
    return Response(body, status=response.status_code, headers=headers)
