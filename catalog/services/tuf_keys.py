"""Key ceremonies of a product's TUF repository: creating it, rotating a key, importing an offline root.

Every change of keys is a new root version. The spec requires a new root to be
signed by a threshold of the previous root's keys and of its own: rotating the
root key signs with the old and the new key; rotating an online key signs with
the current root key, then signs that role (and the roles above it) again with
the new key.

A root key kept offline signs elsewhere: the portal writes the next root version
(``pending_root``) and imports it once signed (``import_signed_root``). A rotation
while the root is offline names its new key in that draft; the key stays pending,
and the old one keeps signing, until the signed root is imported. One draft waits
at a time: a new one (another rotation, ``draft_root``) replaces it and its keys.
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from securesystemslib.signer import SSlibKey
from tuf.api.metadata import Metadata, Root, RootVerificationResult
from tuf.api.serialization import DeserializationError

from catalog.models import Product, TufKey, TufMetadata, TufRepository, TufRole
from catalog.services.tuf import expires_after, next_version, publish, sign_and_store, signed_part, store

ONLINE_ROLES = (TufRole.TARGETS, TufRole.SNAPSHOT, TufRole.TIMESTAMP)
# A root names four keys and carries a few signatures: about 3 KB. Anything near this is no root.
MAX_ROOT_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Rotation:
    key: TufKey
    # The new root version still to be signed offline, or None when the rotation is complete.
    unsigned_root: Metadata[Root] | None


def read_public_key(pem_file: Path) -> SSlibKey:
    """An offline key's public half from a PEM file (``openssl pkey -pubout``, ``cryptography``)."""
    try:
        return SSlibKey.from_crypto(load_pem_public_key(pem_file.read_bytes()))
    except (OSError, ValueError) as error:
        message = f"Cannot read a public key from {pem_file}: {error}"
        raise ValidationError({"offline_root": message}) from error


def build_root(keys: list[TufKey], version: int, now: datetime) -> Root:
    root = Root(version=version, expires=expires_after(TufRole.ROOT, now), consistent_snapshot=True)
    for key in keys:
        root.add_key(key.public(), key.role)
    return root


def product_named(product_key: str) -> Product:
    product = Product.objects.filter(key=product_key).first()
    if product is None:
        raise ValidationError({"product": f"Unknown product {product_key!r}."})
    return product


def locked_repository(product: Product) -> TufRepository:
    repository = TufRepository.objects.select_for_update().filter(product=product).first()
    if repository is None:
        raise ValidationError({"product": f"{product} has no TUF repository: run tuf_init first."})
    return repository


def latest_root(repository: TufRepository) -> TufMetadata:
    latest = repository.metadata.latest_of(TufRole.ROOT)
    if latest is None:
        raise ValidationError({"product": f"{repository.product} has no signed root yet: "
                                          "import version 1 first."})
    return latest


def next_root(repository: TufRepository, now: datetime) -> Root:
    """The newest root as the next version with a new expiry, for the caller to change and sign."""
    root = signed_part(latest_root(repository))
    root.version += 1
    root.expires = expires_after(TufRole.ROOT, now)
    return root


def init_repository(product_key: str, offline_root_key: SSlibKey | None = None) -> Metadata[Root] | None:
    """Create the product's repository and its keys; returns the root to sign offline, if the root key is.

    With every key online, root version 1 is signed and the first targets, snapshot and
    timestamp are published at once.
    """
    now = timezone.now()
    product = product_named(product_key)
    with transaction.atomic():
        if TufRepository.objects.filter(product=product).exists():
            raise ValidationError({"product": f"{product} already has a TUF repository: rotate its keys."})
        repository = TufRepository.objects.create(product=product)
        root_key = (TufKey.offline(repository, TufRole.ROOT, offline_root_key) if offline_root_key
                    else TufKey.generate(repository, TufRole.ROOT))
        online_keys = [TufKey.generate(repository, role) for role in ONLINE_ROLES]
        keys = TufKey.objects.bulk_create([root_key, *online_keys])
        root = build_root(keys, version=1, now=now)
        if offline_root_key:
            _wait_for_offline_signatures(repository, root)
            return Metadata(root)
        sign_and_store(repository, root, [root_key])
        publish(product.pk, now)
        return None


def rotate_key(product_key: str, role: str, offline_root_key: SSlibKey | None = None) -> Rotation:
    """Replace the current key of ``role`` with a new one, named by a new root version.

    With the root key online the rotation completes at once: the new root is signed (by the
    old and the new key for a root rotation), then the role is signed again with its new key.
    When the root key is offline, or ``offline_root_key`` takes its place, the new root is
    returned for signing offline and the new key waits until ``import_signed_root``; a root
    key moving offline signs that root first with its old, online half.
    """
    now = timezone.now()
    product = product_named(product_key)
    if offline_root_key is not None and role != TufRole.ROOT:
        raise ValidationError({"offline_root": "Only the root key can be kept offline."})
    with transaction.atomic():
        repository = locked_repository(product)
        keys = {key.role: key for key in repository.keys.current()}
        old, root_key = keys[role], keys[TufRole.ROOT]
        root = next_root(repository, now)
        _drop_draft(repository)  # a draft waiting for offline signatures: this root version replaces it
        if root_key.is_online and offline_root_key is None:
            TufKey.objects.filter(pk=old.pk).retire(now)  # ``old`` still holds its private half, to sign once
            new = TufKey.generate(repository, role)
            new.save()
            _replace_key(root, old, new)
            sign_and_store(repository, root, [old, new] if role == TufRole.ROOT else [root_key])
            publish(product.pk, now, resign=frozenset() if role == TufRole.ROOT else frozenset({role}))
            return Rotation(new, None)
        if role == TufRole.ROOT and offline_root_key is None:
            raise ValidationError({"offline_root": "The root key is offline: give the new root key's public "
                                                   "half, made where the old one is kept."})
        if offline_root_key is not None and offline_root_key.keyid == root_key.keyid:
            raise ValidationError({"offline_root": "This is the current root key: make a new one."})
        new = (TufKey.offline(repository, role, offline_root_key, pending=True) if role == TufRole.ROOT
               else TufKey.generate(repository, role, pending=True))
        new.save()
        _replace_key(root, old, new)
        draft = _wait_for_offline_signatures(repository, root)
        if root_key.is_online:
            draft.sign(root_key.signer(), append=True)
        return Rotation(new, draft)


def _replace_key(root: Root, old: TufKey, new: TufKey) -> None:
    root.revoke_key(old.keyid, old.role)
    root.add_key(new.public(), new.role)


def _drop_draft(repository: TufRepository) -> None:
    """Forget a root waiting for offline signatures, and the keys only it names."""
    repository.keys.pending().delete()
    repository.pending_root = None
    repository.save(update_fields=["pending_root"])


def _wait_for_offline_signatures(repository: TufRepository, root: Root) -> Metadata[Root]:
    repository.pending_root = root.to_dict()
    repository.save(update_fields=["pending_root"])
    return Metadata(root)


def draft_root(product_key: str) -> Metadata[Root]:
    """The next root version, same keys and a new expiry, unsigned: for an offline root key to sign.

    It waits as ``pending_root`` until ``import_signed_root`` brings it back signed, replacing
    any earlier draft (a rotation not imported yet is dropped with its new key).
    """
    product = product_named(product_key)
    with transaction.atomic():
        repository = locked_repository(product)
        root = next_root(repository, timezone.now())
        _drop_draft(repository)
        return _wait_for_offline_signatures(repository, root)


def import_signed_root(content: bytes) -> TufRepository:
    """Store a root signed offline, for the repository that waits for exactly that root; then publish.

    A key the root names for the first time (a rotation) becomes its role's current key, the
    one it replaces is retired, and that role is signed again with the new key.
    """
    if len(content) > MAX_ROOT_BYTES:
        raise ValidationError({"file": f"Larger than a root can be ({MAX_ROOT_BYTES} bytes at most)."})
    try:
        metadata = Metadata[Root].from_bytes(content)
    except DeserializationError as error:
        raise ValidationError({"file": f"Not TUF root metadata: {error}"}) from error
    now = timezone.now()
    with transaction.atomic():
        waiting = TufRepository.objects.select_for_update().filter(pending_root__isnull=False)
        repository = next((each for each in waiting if each.pending_root == metadata.signed.to_dict()), None)
        if repository is None:
            raise ValidationError({"file": "No repository waits for this root: sign what the portal wrote."})
        latest = repository.metadata.latest_of(TufRole.ROOT)
        if metadata.signed.version != next_version(latest):
            raise ValidationError({"file": f"This is root version {metadata.signed.version}, but version "
                                           f"{latest.version} was signed since it was drafted: "
                                           "draft it again."})
        result = metadata.signed.get_root_verification_result(signed_part(latest), metadata.signed_bytes,
                                                              metadata.signatures)
        if not result.verified:
            raise ValidationError({"file": "The root is not signed by enough of its keys: "
                                           f"{_missing(result)}."})
        store(repository, metadata)
        rotated = _activate_pending_keys(repository, metadata.signed, now)
        repository.pending_root = None
        repository.save(update_fields=["pending_root"])
        publish(repository.product_id, resign=frozenset(rotated) - {TufRole.ROOT})
        return repository


def _missing(result: RootVerificationResult) -> str:
    """Which signatures a root lacks, e.g. ``needs 1 more signature by the previous root's keys (1f2e…)``."""
    lacking = [(result.first, "the previous root's keys")] if result.first != result.second else []
    lacking.append((result.second, "its own keys"))
    return "needs " + " and ".join(
        f"{each.missing} more signature(s) by {whose} ({', '.join(keyid[:16] for keyid in each.unsigned)})"
        for each, whose in lacking if not each.verified
    )


def _activate_pending_keys(repository: TufRepository, root: Root, now: datetime) -> list[str]:
    """The pending keys ``root`` names replace their roles' current keys; returns those roles."""
    rotated = []
    for key in repository.keys.pending():
        if key.keyid in root.roles[key.role].keyids:
            repository.keys.current().filter(role=key.role).retire(now)
            key.pending = False
            key.save(update_fields=["pending"])
            rotated.append(key.role)
    return rotated
