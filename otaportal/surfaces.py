"""The API surfaces the portal speaks, told apart by path: each answers errors in its own shape.

``surface_of`` serves both the errors answered outside DRF views (otaportal.views) and the
OpenAPI schema's error responses (rollouts.api.openapi), so the two never disagree.
"""

KAA = "kaa"  # {"message": ...}
DDI = "ddi"  # hawkBit's ExceptionInfo
IOTDA = "iotda"  # {"error_code": ..., "error_msg": ...}
DRF = "drf"  # {"detail": ...} or {"field": [...]}


def surface_of(path: str) -> str | None:
    """The surface a request path (or an OpenAPI path template) belongs to; None outside the APIs."""
    if path.startswith("/otao/"):
        return KAA
    if "/controller/v1/" in path:
        return DDI
    if path.startswith("/v5/"):
        return IOTDA
    if path.startswith(("/api/", "/tuf/")):  # /tuf/: TUF metadata and targets for devices
        return DRF
    return None
