"""Pages of the management APIs: bounded in size, with cursors PostgreSQL can compare."""

from rest_framework import pagination
from rest_framework.exceptions import NotFound

# The largest page any list answers: a larger ``limit`` is answered with this many rows. Unbounded,
# ``?limit=99999999999999999999`` reached PostgreSQL as a LIMIT out of bigint's range (a 500).
MAX_PAGE_SIZE = 500
NUL = "\x00"


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's ``limit``/``offset`` pages, ``limit`` clamped to MAX_PAGE_SIZE.

    An ``offset`` past the last row answers an empty page without querying the rows, and
    ``limit`` or ``offset`` that is not a whole number falls back to the default, as in DRF.
    """

    max_limit = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["description"] += f" At most {MAX_PAGE_SIZE}: a larger number gives that many."
        return parameters


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pages; a cursor whose position holds a NUL is refused like any undecodable cursor."""

    max_page_size = MAX_PAGE_SIZE

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and NUL in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        return cursor
