"""Download links the portal signs itself (Kaa's ``.../files/{fileName}/links``).

A link is ``/otao/files/<token>``: the token carries the artifact id, a digest of
its storage key and the expiry time, signed with Django's SECRET_KEY. The portal
checks signature and expiry before it streams or redirects, whatever the
storage: a presigned S3 URL alone would depend on the S3 server checking it.
Replacing the file changes its storage key, which makes older links invalid.
"""

import hashlib
import time

from django.conf import settings
from django.core import signing

from catalog.models import Artifact

SALT = "rollouts.links.artifact"


class LinkRefused(Exception):
    """The link cannot be used: its message says why."""


def _key_digest(artifact: Artifact) -> str:
    return hashlib.sha256(f"{artifact.bucket}/{artifact.storage_key}".encode()).hexdigest()[:16]


def sign(artifact: Artifact, ttl: int | None = None, now: float | None = None) -> str:
    """A token for ``artifact`` that expires ``ttl`` seconds (OTA_KAA_LINK_TTL) from now."""
    ttl = settings.OTA_KAA_LINK_TTL if ttl is None else ttl
    expires = int((time.time() if now is None else now) + ttl)
    return signing.dumps({"a": artifact.pk, "k": _key_digest(artifact), "e": expires}, salt=SALT)


def resolve(token: str, now: float | None = None) -> Artifact:
    """The verified artifact the token names; raises LinkRefused when it is forged, altered or expired."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkRefused("The link is invalid.") from None
    if not isinstance(payload, dict) or not {"a", "k", "e"} <= payload.keys():
        raise LinkRefused("The link is invalid.")
    if (time.time() if now is None else now) >= payload["e"]:
        raise LinkRefused("The link has expired.")
    artifact = Artifact.objects.select_related("release").filter(pk=payload["a"]).first()
    if artifact is None or _key_digest(artifact) != payload["k"]:
        raise LinkRefused("The file of this link has been replaced or deleted.")
    if not artifact.is_verified:
        raise LinkRefused("The file of this link is not verified.")
    return artifact
