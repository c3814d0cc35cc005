"""The JSON request parser of every API surface: bodies within otaportal.json_limits' depth, without NUL.

A body nested thousands of levels deep makes Python's json decoder raise RecursionError, and a
``\\u0000`` escape decodes into a string PostgreSQL cannot store: both used to answer 500.
This parser answers ParseError instead, which each surface's exception handler renders in its
own shape (DRF's ``detail``, Kaa's ``message``, IoTDA's ``error_code``, hawkBit's ExceptionInfo).
"""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from otaportal import json_limits


def read_capped(stream) -> bytes:
    """The body, refused once it passes DATA_UPLOAD_MAX_MEMORY_SIZE, as Django refuses ``request.body``.

    DRF reads JSON bodies from the stream, past Django's own check. RequestDataTooBig reaches
    handler400 (otaportal.views), which answers 413 in the surface's shape.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise RequestDataTooBig(f"The JSON body is larger than {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE).")
    return body


class LimitedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limits = json_limits.body_limits()
        try:
            data = super().parse(io.BytesIO(read_capped(stream)), media_type, parser_context)
        except RecursionError:
            raise ParseError(f"{json_limits.depth_problem(limits)} in the request body.") from None
        try:
            json_limits.check(data, limits)
        except ValidationError as error:
            raise ParseError(error.message) from None
        return data
