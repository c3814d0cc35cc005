"""Pages of the management APIs: bounded in size, with cursors PostgreSQL can compare."""

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

# The largest page any list answers: a larger ``limit`` is answered with this many rows. Unbounded,
# ``?limit=99999999999999999999`` reached PostgreSQL as a LIMIT out of bigint's range (a 500).
MAX_PAGE_SIZE = 500
NUL = "\x00"


def whole_number(request, name: str, minimum: int) -> int:
    """The query parameter ``name`` as a whole number of at least ``minimum``, else a 400 naming it."""
    values = request.query_params.getlist(name)
    text = values[0] if len(values) == 1 else ""
    # A number of more digits than any row count would only be clamped: keep int() cheap.
    if not (text.isascii() and text.isdigit() and len(text) <= 30) or int(text) < minimum:
        raise ValidationError({name: [f"Give one whole number of at least {minimum}."]})
    return int(text)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's ``limit``/``offset`` pages, ``limit`` clamped to MAX_PAGE_SIZE.

    An ``offset`` past the last row answers an empty page without querying the rows. A
    ``limit`` or ``offset`` that is not one whole number (at least 1, at least 0) is refused
    with a 400 naming it, where DRF would silently answer the default page.
    """

    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request):
        if self.limit_query_param not in request.query_params:
            return self.default_limit
        return min(whole_number(request, self.limit_query_param, minimum=1), self.max_limit)

    def get_offset(self, request):
        if self.offset_query_param not in request.query_params:
            return 0
        return whole_number(request, self.offset_query_param, minimum=0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        minimum = {self.limit_query_param: 1, self.offset_query_param: 0}
        for parameter in parameters:
            parameter["schema"]["minimum"] = minimum[parameter["name"]]
            if parameter["name"] == self.limit_query_param:
                parameter["description"] += f" At most {MAX_PAGE_SIZE}: a larger number gives that many."
        return parameters


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pages; a cursor whose position holds a NUL is refused like any undecodable cursor."""

    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        if self.page_size_query_param not in request.query_params:
            return self.page_size
        return min(whole_number(request, self.page_size_query_param, minimum=1), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and NUL in cursor.position:
            raise NotFound(self.invalid_cursor_message)
        return cursor
