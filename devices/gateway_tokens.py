"""hawkBit gateway tokens: one secret that may act for every device of one product.

A gateway (or an agent fleet sharing one credential) sends
``Authorization: GatewayToken <token>`` to the DDI API. Like device tokens the
token is shown once and stored as a lookup prefix and a SHA-256
(catalog.secrets); revoking it stops it at once. Last use is written at most
once a minute, so a polling fleet does not turn every request into a write.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalog import secrets
from catalog.models import Product
from devices.models import LAST_SEEN_RESOLUTION_SECONDS, GatewayToken


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
    prefix = secrets.prefix_of(plaintext or "", GatewayToken.TOKEN_KIND)
    if prefix is None:
        return None
    token = GatewayToken.objects.select_related("product").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not secrets.matches(plaintext, token.digest):
        return None
    return token


def mark_used(token: GatewayToken) -> None:
    """Record the token's last use, writing at most once a minute."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < LAST_SEEN_RESOLUTION_SECONDS:
        return
    token.last_used_at = now
    with transaction.atomic():
        GatewayToken.objects.filter(pk=token.pk).update(last_used_at=now)


def revoke(token: GatewayToken) -> GatewayToken:
    """Stop the token from working at once (idempotent)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        GatewayToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)
    return token
