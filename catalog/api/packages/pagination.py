"""IoTDA's list paging: ``limit`` (1–50, default 10), ``marker`` and ``offset`` (0–500).

IoTDA lists records by id, largest first; ``marker`` is the id of the last
record of the previous page and the next page holds the ids below it, skipped
by ``offset``. Package ids here are release UUIDs, so the order is a stable
order of ids (not of creation), and a marker stays valid even when the package
it names has been deleted meanwhile. IoTDA's default marker, 24 ``f``, and
any shorter hex prefix are padded with ``f`` to a full UUID.
"""

import re
import uuid

from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from .errors import LIMIT_OUT_OF_RANGE, IotdaError

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
MAX_OFFSET = 500
_MARKER = re.compile(r"^[0-9a-fA-F]{1,32}\Z")


def _integer(request, name, default, low, high, error_code=None):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    value = int(raw) if re.fullmatch(r"[0-9]{1,6}", raw) else None
    if value is None or not low <= value <= high:
        message = f"Invalid input. The specified parameter '{name}' is out of range ({low} to {high})."
        raise IotdaError(error_code or "IOTDA.000006", message)
    return value


def parse_marker(raw: str) -> uuid.UUID:
    compact = raw.replace("-", "") if len(raw) == 36 else raw
    if not _MARKER.match(compact):
        raise IotdaError("IOTDA.000006", "Invalid input data. marker: give the package_id of the last "
                                         "package of the previous page.")
    return uuid.UUID(compact.ljust(32, "f"))


class MarkerPagination(BasePagination):
    def paginate_queryset(self, queryset, request, view=None):
        limit = _integer(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, LIMIT_OUT_OF_RANGE)
        offset = _integer(request, "offset", 0, 0, MAX_OFFSET)
        marker = request.query_params.get("marker")
        self.count = queryset.count()
        ordered = queryset.order_by("-pk")
        if marker:
            ordered = ordered.filter(pk__lt=parse_marker(marker))
        page = list(ordered[offset:offset + limit])
        self.marker = page[-1].pk.hex if page else None
        return page

    def get_paginated_response(self, data):
        return Response({"packages": data, "page": {"count": self.count, "marker": self.marker}})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {
                "packages": schema,
                "page": {"type": "object", "properties": {
                    "count": {"type": "integer", "description": "Packages matching the filters."},
                    "marker": {"type": "string", "nullable": True,
                               "description": "package_id of this page's last package; pass it as `marker`."},
                }},
            },
        }

    def get_schema_operation_parameters(self, view):
        def parameter(name, description, schema):
            return {"name": name, "required": False, "in": "query", "description": description, "schema": schema}

        return [
            parameter("limit", "Packages per page, 1 to 50.", {"type": "integer", "minimum": 1, "maximum": 50,
                                                               "default": DEFAULT_LIMIT}),
            parameter("marker", "package_id of the previous page's last package.", {"type": "string"}),
            parameter("offset", "Packages to skip after the marker, 0 to 500.",
                      {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
        ]
