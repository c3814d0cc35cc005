"""OpenAPI error responses: per operation where a view documents its own, and the common ones for all.

``responses_with_errors`` serves views documenting errors with their surface's serializer.
``add_common_error_responses``, a drf-spectacular postprocessing hook, adds to every operation
the errors any request can get, whatever its view, so the schema never omits a status the API
answers (schemathesis checks this, tests/test_schemathesis.py):
- 400: a NUL in any path or query parameter (otaportal.middleware), a bad value, a bad body;
- 401: no, invalid, expired or revoked credentials (operations with a security requirement);
- 403: the token's scopes or the user's permissions (management tokens);
- 404: an object named in the path that does not exist (operations with path parameters), or an
  invalid cursor (DRF's cursor pagination);
- 429: too many failed credentials from the address, or too many requests from a device
  (otaportal.ratelimit, devices.session: every surface counts them).
"""

from drf_spectacular.utils import OpenApiResponse

from otaportal import surfaces

COMMON_ERRORS = {
    400: "A path, query or body parameter is invalid; the error names it.",
    401: "No credentials, or invalid, expired or revoked ones.",
    403: "The token's scopes or the user's permissions do not allow this operation.",
    404: "An object named in the path does not exist (or is not visible to the caller).",
    429: "Too many failed credentials from this address, or too many requests from this device; "
         "retry after `Retry-After` seconds.",
}
# Security schemes of management tokens: users with permissions and scopes, so 403 is possible.
MANAGEMENT_SCHEMES = {"bearerToken", "authTokenHeader", "sdkHmacSha256"}
# DRF's shape: {"detail": "..."}, or {"field": ["message"]} naming each invalid field.
DRF_ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}
ERROR_COMPONENTS = {surfaces.KAA: "Message", surfaces.DDI: "ExceptionInfo", surfaces.IOTDA: "IotdaError"}


def responses_with_errors(error_serializer, described: dict, codes, documented: dict) -> dict:
    """The operation's ``documented`` responses (``_200=...``) plus ``error_serializer`` for each of ``codes``."""
    responses = {code: OpenApiResponse(error_serializer, description=described[code]) for code in codes}
    responses.update({int(code.lstrip("_")): value for code, value in documented.items()})
    return responses


def _common_statuses(path: str, operation: dict) -> list[int]:
    schemes = {name for requirement in operation.get("security", []) for name in requirement}
    statuses = [400, 429]
    if schemes:
        statuses.append(401)
    if schemes & MANAGEMENT_SCHEMES:
        statuses.append(403)
    if "{" in path or any(parameter["name"] == "cursor" for parameter in operation.get("parameters", [])):
        statuses.append(404)  # an object named in the path, or DRF's "Invalid cursor"
    return statuses


def _error_schema(path: str, components: dict) -> dict:
    component = ERROR_COMPONENTS.get(surfaces.surface_of(path))
    if component in components:
        return {"$ref": f"#/components/schemas/{component}"}
    return DRF_ERROR


def add_common_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: COMMON_ERRORS on every operation that lacks them."""
    components = result.get("components", {}).get("schemas", {})
    for path, operations in result["paths"].items():
        content = {"application/json": {"schema": _error_schema(path, components)}}
        for operation in operations.values():
            for status in _common_statuses(path, operation):
                operation["responses"].setdefault(
                    str(status), {"description": COMMON_ERRORS[status], "content": content})
    return result
