"""Key ceremonies of a product's TUF repository: creating it, rotating a key, importing an offline root.

Every change of keys is a new root version. The spec requires a new root to be
signed by a threshold of the previous root's keys and of its own: rotating the
root key signs with the old and the new key; rotating an online key signs with
the current root key, then signs that role (and the roles above it) again with
the new key. A root key kept offline signs elsewhere: the portal writes the
unsigned root (``pending_root``) and imports it once signed (``import_signed_root``).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from securesystemslib.signer import SSlibKey
from tuf.api.metadata import Metadata, Root
from tuf.api.serialization import DeserializationError

from catalog.models import Product, TufKey, TufRepository, TufRole
from catalog.services.tuf import expires_after, publish, sign_and_store, signed_part, store

ONLINE_ROLES = (TufRole.TARGETS, TufRole.SNAPSHOT, TufRole.TIMESTAMP)


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
            repository.pending_root = root.to_dict()
            repository.save(update_fields=["pending_root"])
            return Metadata(root)
        sign_and_store(repository, root, [root_key])
        publish(product.pk, now)
        return None


def rotate_key(product_key: str, role: str) -> TufKey:
    """Replace the current key of ``role`` with a new one: a new root version, then the role signed again."""
    now = timezone.now()
    product = product_named(product_key)
    with transaction.atomic():
        repository = TufRepository.objects.select_for_update().filter(product=product).first()
        if repository is None:
            raise ValidationError({"product": f"{product} has no TUF repository: run tuf_init first."})
        keys = {key.role: key for key in repository.keys.current()}
        if not keys[TufRole.ROOT].is_online:
            raise ValidationError({"role": "The root key is offline: a rotation needs a root signed there."})
        old = keys[role]
        # A retired key signs nothing again: its private half goes (``old`` keeps it for one last signature).
        TufKey.objects.filter(pk=old.pk).update(retired_at=now, encrypted_private_key=b"")
        new = TufKey.generate(repository, role)
        new.save()
        root = signed_part(repository.metadata.latest_of(TufRole.ROOT))
        root.revoke_key(old.keyid, role)
        root.add_key(new.public(), role)
        root.version += 1
        root.expires = expires_after(TufRole.ROOT, now)
        sign_and_store(repository, root, [old, new] if role == TufRole.ROOT else [keys[TufRole.ROOT]])
        publish(product.pk, now, resign=frozenset() if role == TufRole.ROOT else frozenset({role}))
        return new


def draft_root(product_key: str) -> Metadata[Root]:
    """The next root version, same keys and a new expiry, unsigned: for an offline root key to sign.

    It waits as ``pending_root`` until ``import_signed_root`` brings it back signed.
    """
    product = product_named(product_key)
    with transaction.atomic():
        repository = TufRepository.objects.select_for_update().filter(product=product).first()
        latest = repository.metadata.latest_of(TufRole.ROOT) if repository else None
        if latest is None:
            raise ValidationError({"product": f"{product} has no signed root yet: import version 1 first."})
        root = signed_part(latest)
        root.version += 1
        root.expires = expires_after(TufRole.ROOT, timezone.now())
        repository.pending_root = root.to_dict()
        repository.save(update_fields=["pending_root"])
        return Metadata(root)


def import_signed_root(content: bytes) -> TufRepository:
    """Store a root signed offline, for the repository that waits for exactly that root; then publish."""
    try:
        metadata = Metadata[Root].from_bytes(content)
    except DeserializationError as error:
        raise ValidationError({"file": f"Not TUF root metadata: {error}"}) from error
    with transaction.atomic():
        waiting = TufRepository.objects.select_for_update().filter(pending_root__isnull=False)
        repository = next((each for each in waiting if each.pending_root == metadata.signed.to_dict()), None)
        if repository is None:
            raise ValidationError({"file": "No repository waits for this root: sign what tuf_init wrote."})
        previous = signed_part(repository.metadata.latest_of(TufRole.ROOT))
        result = metadata.signed.get_root_verification_result(previous, metadata.signed_bytes,
                                                              metadata.signatures)
        if not result.verified:
            raise ValidationError({"file": f"The root is not signed by enough of its keys: {result}"})
        store(repository, metadata)
        repository.pending_root = None
        repository.save(update_fields=["pending_root"])
        publish(repository.product_id)
        return repository
