"""Failed credentials counted per client address, in the edge store (Redis in production: otaportal.edge).

Every surface counts its refused credentials here: device tokens, DDI target and
gateway tokens, management bearer and ``X-Auth-Token`` tokens, SDK-HMAC signatures
and forged Kaa download links. A fixed one-minute window per address, counted with
one atomic increment whose counter expires after its window; past
``OTA_AUTH_FAILURE_LIMIT`` failures in a window the address is answered 429 with
Retry-After until the window ends, even with valid credentials, so that guessing
cannot succeed by persisting. Admin logins are limited by django-axes instead.
"""

import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from rest_framework import exceptions

from otaportal.edge import WINDOW_SECONDS, store


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def client_address(request) -> str | None:
    """The caller's IP address.

    Behind ``OTA_TRUSTED_PROXY_COUNT`` reverse proxies that each append to
    X-Forwarded-For (nginx's ``$proxy_add_x_forwarded_for``), it is the entry the
    outermost trusted proxy added; entries further left are the client's own word.
    """
    address = request.META.get("REMOTE_ADDR")
    hops = settings.OTA_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        candidate = forwarded[-hops]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return address


def retry_after(now: float) -> int:
    return max(1, math.ceil((int(now // WINDOW_SECONDS) + 1) * WINDOW_SECONDS - now))


def count_failed_authentication(address: str, limit: int, now: float | None = None) -> Verdict:
    """Count one bad credential from ``address`` in the current window; past ``limit`` it is refused."""
    now = time.time() if now is None else now
    count = store().count_failure(address, now)
    return Verdict(count <= limit, count, retry_after(now))


def failures_of(address: str, limit: int, now: float | None = None) -> Verdict:
    """The bad credentials ``address`` sent this window (read only); refused once ``limit`` came."""
    now = time.time() if now is None else now
    count = store().failures(address, now)
    return Verdict(count < limit, count, retry_after(now))


def too_many_failures(retry_after_seconds: int) -> exceptions.Throttled:
    return exceptions.Throttled(wait=retry_after_seconds,
                                detail="Too many invalid credentials from this address.")


def admitted_address(request) -> str:
    """The caller's address, to count its bad credentials against; 429 if it sent too many this window."""
    address = client_address(request) or "unknown"
    verdict = failures_of(address, settings.OTA_AUTH_FAILURE_LIMIT)
    if not verdict.allowed:
        raise too_many_failures(verdict.retry_after)
    return address


def count_bad_credentials(address: str) -> None:
    """Count a bad credential against its address; 429 once it is over the limit."""
    verdict = count_failed_authentication(address, settings.OTA_AUTH_FAILURE_LIMIT)
    if not verdict.allowed:
        raise too_many_failures(verdict.retry_after)


def refuse_bad_credentials(address: str, message: str):
    """Count the bad credential against its address: 401 with ``message``, or 429 once over the limit."""
    count_bad_credentials(address)
    raise exceptions.AuthenticationFailed(message)
