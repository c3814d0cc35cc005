"""Bearer secrets (API, device and gateway tokens): shown once, stored as a prefix and a hash.

A token reads ``<kind>_<prefix>_<secret>``. The prefix finds the row through a
unique index; the SHA-256 of the whole token is compared in constant time. The
secret carries 256 random bits, so a fast hash is enough: no password hashing.
Secrets the portal must use again (access-key secrets, signing keys) are encrypted
instead, with ``cipher(purpose)``.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet
from django.conf import settings

PREFIX_LENGTH = 12


@dataclass(frozen=True)
class IssuedSecret:
    prefix: str
    digest: str
    plaintext: str


def digest_of(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue(kind: str) -> IssuedSecret:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    plaintext = f"{kind}_{prefix}_{secrets.token_urlsafe(32)}"
    return IssuedSecret(prefix=prefix, digest=digest_of(plaintext), plaintext=plaintext)


def prefix_of(plaintext: str, kind: str) -> str | None:
    """The lookup prefix of a token of this kind, or None when it is malformed."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != kind or len(parts[1]) != PREFIX_LENGTH or not parts[2]:
        return None
    return parts[1]


def matches(plaintext: str, digest: str) -> bool:
    return hmac.compare_digest(digest_of(plaintext), digest)


def find(rows, plaintext: str, kind: str, prefix_field: str = "prefix", digest_field: str = "digest"):
    """The row of ``rows`` (a queryset) holding this token, or None: device, gateway and API tokens alike.

    One query through the prefix's unique index (no ORDER BY: the prefix is unique),
    then the digest of the whole token compared in constant time.
    """
    prefix = prefix_of(plaintext or "", kind)
    if prefix is None:
        return None
    row = next(iter(rows.filter(**{prefix_field: prefix}).order_by()[:1]), None)
    if row is None or not matches(plaintext, getattr(row, digest_field)):
        return None
    return row


def cipher(purpose: str) -> Fernet:
    """The cipher of secrets the portal must read back (access-key secrets, TUF signing keys).

    Its key is derived from the Django secret key, one key per ``purpose``.
    """
    derived = hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))
