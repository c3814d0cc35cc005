"""OpenAPI responses of an API surface with its own error shape."""

from drf_spectacular.utils import OpenApiResponse


def responses_with_errors(error_serializer, described: dict, codes, documented: dict) -> dict:
    """The operation's ``documented`` responses (``_200=...``) plus ``error_serializer`` for each of ``codes``."""
    responses = {code: OpenApiResponse(error_serializer, description=described[code]) for code in codes}
    responses.update({int(code.lstrip("_")): value for code, value in documented.items()})
    return responses
