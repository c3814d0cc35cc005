"""Remembered answers as HTTP: what identifies a device request, and the response a remembered answer makes."""

import hashlib

from django.http import HttpResponse
from django.utils.cache import get_conditional_response
from rest_framework.renderers import JSONRenderer

from devices.session import Answer

JSON = "application/json"


def fingerprint(request, body: bytes = b"") -> str:
    """What an answer depends on in the request itself: the host and scheme its links name, the path, the body."""
    digest = hashlib.sha256()
    for part in (request.scheme, request.get_host(), request.path):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def answer(status: int, data=None, etag: str = "") -> Answer:
    """An answer with ``data`` rendered as every device API renders JSON (none for no content)."""
    return Answer(status, "" if data is None else JSONRenderer().render(data).decode(), etag)


def response(request, given: Answer, content_type: str = JSON) -> HttpResponse:
    """The HTTP response of an answer; 304 when it has an ETag the request's If-None-Match names."""
    headers = {"ETag": given.etag} if given.etag else {}
    if given.etag:
        unchanged = get_conditional_response(request, etag=given.etag)
        if unchanged is not None:
            return HttpResponse(status=unchanged.status_code, headers=headers)
    if not given.body:
        return HttpResponse(status=given.status, headers=headers)
    return HttpResponse(given.body, status=given.status, content_type=content_type, headers=headers)
