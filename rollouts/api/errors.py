"""Errors shared by the rollouts management and device APIs (the Kaa API has its own shape)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status


class Conflict(exceptions.APIException):
    """The request is valid but the object's state does not allow it."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's state does not allow this."
    default_code = "conflict"


FIELD_ERRORS = OpenApiResponse(OpenApiTypes.OBJECT,
                               description='JSON naming each invalid field: `{"field": ["message"]}`.')
NOT_FOUND = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"detail": "Not found."}`')
CONFLICT = OpenApiResponse(OpenApiTypes.OBJECT, description='`{"detail": "why"}`: the state does not allow it.')
