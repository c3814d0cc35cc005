"""The catalog API's own errors (the project's exception handler is otaportal.api_errors)."""

from rest_framework import exceptions


class StorageUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "Artifact storage did not answer; try again later."
    default_code = "storage_unavailable"
