"""HTTP delivery of an artifact's bytes, for every face that serves files to devices.

``artifact_response(request, artifact)`` answers a GET or HEAD with the whole
file (200), one byte range (206, for resumed downloads), 416 for a range past
the end, or, with S3 storage and ``OTA_DOWNLOAD_REDIRECT``, a 302 to a presigned
URL valid ``OTA_DOWNLOAD_URL_TTL`` seconds. It decides nothing about who may
download what: callers look the artifact up for the requester first.

Bytes stream from storage one chunk at a time, so a download of any size holds
one chunk in memory. Ranges follow RFC 9110 section 14: a single ``bytes=``
range (``N-M``, ``N-`` or the suffix ``-N``) is served; a malformed header,
another unit or several ranges are ignored and the whole file is sent, as the
RFC allows; ``If-Range`` with a validator that no longer matches (an old ETag
or date) also gets the whole file, so a client never splices two versions.
A position of more digits than any file size has (``bytes=<5,000 digits>-``) is
read as "past the end" without converting it: a first position there answers
416, a last one or a suffix that long means "to the end" / "the whole file".
"""

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe

from catalog.models import Artifact
from catalog.storage import ArtifactStore, StorageError

logger = logging.getLogger(__name__)

# Storage is read in chunks of OTA_STREAM_CHUNK_SIZE, capped here for responses:
# every concurrent download holds one chunk, and a megabyte already streams at
# the network's pace.
RESPONSE_CHUNK_LIMIT = 1024 * 1024
CHECKSUM_HEADER = "X-Checksum-Sha256"
STORAGE_RETRY_AFTER_SECONDS = 30
# (status, message) -> the error body in the calling API surface's shape.
ErrorBody = Callable[[int, str], dict]

_RANGE = re.compile(r"bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*", re.IGNORECASE)
# More digits than the largest file size (a 64-bit count of bytes) can have.
_POSITION_DIGITS = 19
_PAST_ANY_END = 10**_POSITION_DIGITS


class RangeNotSatisfiable(Exception):
    """The requested range starts past the end of the file."""


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def _position(digits: str) -> int:
    """A byte position, or _PAST_ANY_END for one too long to be a position in any file."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= _POSITION_DIGITS else _PAST_ANY_END


def parse_range(header: str, size: int) -> ByteRange | None:
    """The single range ``header`` asks for within ``size`` bytes; None means "send the whole file"."""
    match = _RANGE.fullmatch(header or "")
    if match is None or size == 0 and not match[1]:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        suffix = _position(last)
        if suffix == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = _position(first)
    if last and _position(last) < start:
        return None  # an invalid range-spec: ignored
    if start >= size:
        raise RangeNotSatisfiable
    return ByteRange(start, min(_position(last), size - 1) if last else size - 1)


def entity_tag(artifact: Artifact) -> str | None:
    """A strong ETag: the SHA-256 names the bytes exactly."""
    checksum = artifact.sha256 or artifact.declared_sha256
    return f'"{checksum}"' if checksum else None


def last_modified(artifact: Artifact):
    return artifact.verified_at or artifact.updated_at


def if_range_matches(request, artifact: Artifact) -> bool:
    """True when there is no If-Range, or its validator still names these bytes (strong comparison)."""
    value = request.META.get("HTTP_IF_RANGE")
    if value is None:
        return True
    value = value.strip()
    if value.startswith(('"', "W/")):
        return value == entity_tag(artifact)
    parsed = parse_http_date_safe(value)
    modified = last_modified(artifact)
    return parsed is not None and modified is not None and parsed == int(modified.timestamp())


def representation_headers(artifact: Artifact) -> dict[str, str]:
    """Headers describing the whole file, the same on 200, 206, HEAD and redirects."""
    headers = {
        "Accept-Ranges": "bytes",
        # The name is a base name already (catalog.services.artifacts); Django quotes or encodes it.
        "Content-Disposition": content_disposition_header(as_attachment=True, filename=artifact.file_name),
        "Cache-Control": "private, no-transform",
    }
    etag = entity_tag(artifact)
    if etag:
        headers["ETag"] = etag
        headers[CHECKSUM_HEADER] = etag.strip('"')
    modified = last_modified(artifact)
    if modified:
        headers["Last-Modified"] = http_date(modified.timestamp())
    return headers


def _stream(store: ArtifactStore, key: str, byte_range: ByteRange) -> Iterator[bytes]:
    """The range's bytes; the first chunk is read now, so a storage failure can still answer 503."""
    chunk_size = max(1, min(settings.OTA_STREAM_CHUNK_SIZE, RESPONSE_CHUNK_LIMIT))
    chunks = store.iter_bytes(key, byte_range.start, byte_range.end, chunk_size=chunk_size)
    first = next(chunks, b"")

    def body():
        try:
            if first:
                yield first
            yield from chunks
        except StorageError:
            logger.exception("download of %s broke off", key)
            raise
        finally:
            chunks.close()

    return body()


def detail_body(status: int, message: str) -> dict:
    """DRF's error shape, ``{"detail": …}``: the device file paths' own."""
    return {"detail": message}


def _storage_unavailable(key: str, error_body: ErrorBody) -> JsonResponse:
    logger.exception("cannot read %s from storage", key)
    return JsonResponse(
        error_body(503, "The file cannot be read from storage right now; try again later."),
        status=503, headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)},
    )


def presigned_redirect(artifact: Artifact, store: ArtifactStore | None = None) -> HttpResponse:
    """302 to a presigned S3 URL valid OTA_DOWNLOAD_URL_TTL seconds."""
    store = store or ArtifactStore(artifact.bucket)
    url = store.presigned_url(artifact.storage_key, settings.OTA_DOWNLOAD_URL_TTL, artifact.file_name)
    response = HttpResponseRedirect(url)
    for name in ("ETag", CHECKSUM_HEADER):
        value = representation_headers(artifact).get(name)
        if value:
            response[name] = value
    response["Cache-Control"] = "no-store"
    return response


def artifact_response(request, artifact: Artifact, error_body: ErrorBody = detail_body) -> HttpResponse:
    """Answer a GET or HEAD for ``artifact``'s bytes (see the module's description).

    ``error_body(status, message)`` writes a 416 or 503 in the calling surface's error shape.
    """
    store = ArtifactStore(artifact.bucket)
    if settings.OTA_DOWNLOAD_REDIRECT and store.is_s3 and request.method != "HEAD":
        return presigned_redirect(artifact, store)
    headers = representation_headers(artifact)
    try:
        size = artifact.size if artifact.size is not None else store.size(artifact.storage_key)
    except StorageError:
        return _storage_unavailable(artifact.storage_key, error_body)

    byte_range, status = ByteRange(0, size - 1), 200
    range_header = request.META.get("HTTP_RANGE")
    if range_header and if_range_matches(request, artifact):
        try:
            requested = parse_range(range_header, size)
        except RangeNotSatisfiable:
            return JsonResponse(
                error_body(416, f"Range not satisfiable: the file has {size} bytes."), status=416,
                headers={**headers, "Content-Range": f"bytes */{size}"},
            )
        if requested is not None:
            byte_range, status = requested, 206
            headers["Content-Range"] = f"bytes {requested.start}-{requested.end}/{size}"
    headers["Content-Length"] = str(byte_range.length)

    if request.method == "HEAD" or byte_range.length == 0:
        return HttpResponse(status=status, content_type="application/octet-stream", headers=headers)
    try:
        body = _stream(store, artifact.storage_key, byte_range)
    except StorageError:
        return _storage_unavailable(artifact.storage_key, error_body)
    return StreamingHttpResponse(body, status=status, content_type="application/octet-stream",
                                 headers=headers)
