"""SDK-HMAC-SHA256: the request signing of the Huawei Cloud SDKs (``huaweicloudsdkcore``), server side.

The SDK builds a canonical request from the method, the path, the query, the
headers it names in ``SignedHeaders`` and the SHA-256 of the body, signs
``"SDK-HMAC-SHA256\\n<X-Sdk-Date>\\n<sha256(canonical request)>"`` with HMAC-SHA256
under the secret key, and sends::

    Authorization: SDK-HMAC-SHA256 Access=<key id>, SignedHeaders=host;x-sdk-date;..., Signature=<hex>
    X-Sdk-Date: 20260115T080000Z

This module rebuilds the same canonical request from what the server received
(mirroring ``huaweicloudsdkcore.signer.signer.Signer`` step by step) and checks
the signature and the date. It knows nothing of Django or the database: the
caller looks the secret up by key id.
"""

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "x-sdk-date"
CONTENT_HASH_HEADER = "x-sdk-content-sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_BODY_HASH = hashlib.sha256(b"").hexdigest()

_AUTHORIZATION = re.compile(
    rf"^{ALGORITHM}\s+Access=(?P<access>[^,\s]+),\s*SignedHeaders=(?P<headers>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-fA-F]{64})\s*$"
)


class SignatureError(Exception):
    """The request is not correctly signed; the message says why (safe to show to the caller)."""


@dataclass(frozen=True)
class SignedAuthorization:
    access_key_id: str
    signed_headers: tuple[str, ...]
    signature: str


@dataclass(frozen=True)
class ReceivedRequest:
    """What the signature covers, as the server received it."""

    method: str
    path: str  # percent-encoded, as on the request line
    query_string: str
    headers: Mapping[str, str]  # case-insensitive lookup (Django's request.headers)
    body: bytes


def is_signed(authorization: str) -> bool:
    return authorization.split(" ", 1)[0] == ALGORITHM


def parse_authorization(authorization: str) -> SignedAuthorization:
    match = _AUTHORIZATION.match(authorization)
    if match is None:
        raise SignatureError(
            f"Malformed {ALGORITHM} Authorization header: expected "
            f"'{ALGORITHM} Access=..., SignedHeaders=..., Signature=...'."
        )
    signed_headers = tuple(match["headers"].split(";"))
    if DATE_HEADER not in signed_headers:
        raise SignatureError("X-Sdk-Date must be one of the signed headers.")
    return SignedAuthorization(match["access"], signed_headers, match["signature"].lower())


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_uri(path: str) -> str:
    """Each path segment decoded and encoded again, with a trailing slash (as the SDK does)."""
    uri = "/".join(_encode(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query_string(query_string: str) -> str:
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in pairs)


def _header_value(raw: str) -> str:
    # WSGI hands headers over as latin-1; the SDK signed the UTF-8 text it then sent as latin-1.
    try:
        return raw.encode("latin-1").decode("utf-8").strip()
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw.strip()


def payload_hash(request: ReceivedRequest) -> str:
    if not request.body:
        return EMPTY_BODY_HASH
    declared = request.headers.get(CONTENT_HASH_HEADER)
    actual = hashlib.sha256(request.body).hexdigest()
    if not declared:
        return actual
    if declared == UNSIGNED_PAYLOAD:
        # The SDK leaves bodies unsigned only when they are not JSON; a JSON body must be covered.
        if request.headers.get("content-type", "").startswith(("application/json", "application/bson")):
            raise SignatureError("A JSON body cannot be sent as UNSIGNED-PAYLOAD.")
        return declared
    if not hmac.compare_digest(declared.lower(), actual):
        raise SignatureError("X-Sdk-Content-Sha256 does not match the body.")
    return declared


def canonical_request(request: ReceivedRequest, signed_headers: tuple[str, ...]) -> str:
    lines = []
    for name in signed_headers:
        raw = request.headers.get(name)
        if raw is None:
            raise SignatureError(f"Signed header {name!r} is missing from the request.")
        lines.append(f"{name}:{_header_value(raw)}")
    return "\n".join([
        request.method.upper(),
        canonical_uri(request.path),
        canonical_query_string(request.query_string),
        "\n".join(lines) + "\n",
        ";".join(signed_headers),
        payload_hash(request),
    ])


def string_to_sign(canonical: str, date: str) -> str:
    return f"{ALGORITHM}\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"


def signature(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def request_date(request: ReceivedRequest) -> datetime:
    raw = request.headers.get(DATE_HEADER, "").strip()
    try:
        return datetime.strptime(raw, DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(f"X-Sdk-Date must be a UTC time as yyyyMMdd'T'HHmmss'Z', not {raw!r}.") from None


def verify(request: ReceivedRequest, secret_for: Callable[[str], str | None], *, now: datetime,
           max_skew: timedelta) -> str:
    """Check the request's signature and date; return the access key id that signed it.

    ``secret_for(access_key_id)`` returns the secret of a usable key, or None.
    Raises SignatureError for anything wrong, without saying which secret was tried.
    """
    authorization = parse_authorization(request.headers.get("authorization", ""))
    date = request_date(request)
    if abs(now - date) > max_skew:
        raise SignatureError(
            f"X-Sdk-Date {date:%Y-%m-%dT%H:%M:%SZ} is more than {int(max_skew.total_seconds() // 60)} "
            "minutes away from the server's time."
        )
    secret = secret_for(authorization.access_key_id)
    if secret is None:
        raise SignatureError("Unknown, expired or revoked access key.")
    expected = signature(secret, string_to_sign(canonical_request(request, authorization.signed_headers),
                                                request.headers[DATE_HEADER].strip()))
    if not hmac.compare_digest(expected, authorization.signature):
        raise SignatureError("The request signature does not match.")
    return authorization.access_key_id

