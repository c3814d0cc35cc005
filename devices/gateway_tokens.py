"""hawkBit gateway tokens: one secret that may act for every device of one product.

A gateway (or an agent fleet sharing one credential) sends
``Authorization: GatewayToken <token>`` to the DDI API. Like device tokens the
token is shown once and stored as a lookup prefix and a SHA-256
(catalog.secrets); revoking it stops it at once. Last use is written
through the last-use buffer (otaportal.last_use), so a polling fleet does not turn requests into writes.
"""

from dataclasses import dataclass

import time

from django.utils import timezone

from catalog import secrets
from catalog.models import Product
from devices.models import GatewayToken
from otaportal import last_use


@dataclass(frozen=True)
class IssuedGatewayToken:
    """A gateway token and its plaintext, which is never stored."""

    token: GatewayToken
    plaintext: str


def issue(product: Product, name: str = "") -> IssuedGatewayToken:
    issued = secrets.issue(GatewayToken.TOKEN_KIND)
    token = GatewayToken.objects.create(product=product, name=name.strip(), prefix=issued.prefix,
                                        digest=issued.digest)
    return IssuedGatewayToken(token, issued.plaintext)


def authenticate(plaintext: str) -> GatewayToken | None:
    """The unrevoked gateway token with this plaintext, with its product, or None (one query)."""
    return secrets.find(GatewayToken.objects.select_related("product").filter(revoked_at__isnull=True), plaintext,
                        GatewayToken.TOKEN_KIND)


def mark_used(token: GatewayToken) -> None:
    """Record the token's last use (buffered: the admin shows it at most a flush interval late)."""
    last_use.note(token, time.time())


def revoke(token: GatewayToken) -> GatewayToken:
    """Stop the token from working at once (idempotent)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        GatewayToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)
    return token
