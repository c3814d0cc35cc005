"""Signing and publishing a product's TUF repository (docs/tuf.md).

Targets are the product's releases that can be offered: active, artifact
verified. ``publish`` signs what changed, in the spec's order: a new targets
version when the set of targets changed, then a snapshot naming it, then a
timestamp naming the snapshot; a role whose metadata has less than half of its
expiry period left is signed again even when nothing changed, and so is every
role above it. Versions only grow. Each role's expiry period is a setting
(``OTA_TUF_<ROLE>_EXPIRY``).

Publishing runs in Celery (catalog.tasks), after the change that calls for it
commits; device requests only read the stored files.
"""

import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from tuf.api.metadata import Metadata, MetaFile, Signed, Snapshot, TargetFile, Targets, Timestamp

from catalog.models import Release, TufKey, TufMetadata, TufRepository, TufRole


def expiry_period(role: str) -> timedelta:
    return getattr(settings, f"OTA_TUF_{role.upper()}_EXPIRY")


def expires_after(role: str, now: datetime) -> datetime:
    return (now + expiry_period(role)).replace(microsecond=0)


def needs_signing(metadata: TufMetadata | None, now: datetime) -> bool:
    """No version yet, or less than half of the role's period left before it expires."""
    return metadata is None or metadata.expires - now < expiry_period(metadata.role) / 2


def target_name(module: str, version: str, file_name: str) -> str:
    """A target's name in the repository: module, version and file name, unique per product.

    Offers (check-in, DDI) carry it, for the device's TUF client to look the target up by.
    """
    return f"{module}/{version}/{file_name}"


def target_path(release: Release) -> str:
    return target_name(release.module.name, release.version, release.artifact.file_name)


def target_url_path(release: Release) -> str:
    """Where a consistent-snapshot client downloads the target, below ``/tuf/{product}/targets/``."""
    directory, _, name = target_path(release).rpartition("/")
    return f"{directory}/{release.artifact.sha256}.{name}"


def offerable_releases(product_id):
    return (Release.objects.filter(product_id=product_id).active().with_verified_artifact()
            .select_related("module", "artifact").order_by("module__name", "version_key", "version"))


def target_file(release: Release) -> TargetFile:
    artifact = release.artifact
    custom = {
        "version": release.version,
        "module": release.module.name,
        "packageType": release.package_type,
        "minAgentVersion": release.min_agent_version or None,
        "allowedSourceVersions": release.allowed_source_versions,
    }
    return TargetFile(length=artifact.size, hashes={"sha256": artifact.sha256}, path=target_path(release),
                      unrecognized_fields={"custom": custom})


def targets_of(product_id) -> dict[str, TargetFile]:
    return {target.path: target for target in map(target_file, offerable_releases(product_id))}


def sign_and_store(repository: TufRepository, signed: Signed, keys: list[TufKey]) -> TufMetadata:
    metadata = Metadata(signed)
    for key in keys:
        metadata.sign(key.signer(), append=True)
    return store(repository, metadata)


def store(repository: TufRepository, metadata: Metadata) -> TufMetadata:
    signed = metadata.signed
    return TufMetadata.objects.create(repository=repository, role=signed.type, version=signed.version,
                                      expires=signed.expires, content=metadata.to_bytes())


def listed_targets(metadata: TufMetadata | None) -> dict | None:
    """The targets a stored targets file lists, as plain JSON: comparing them needs no metadata objects."""
    return None if metadata is None else json.loads(bytes(metadata.content))["signed"]["targets"]


def _as_dicts(targets: dict[str, TargetFile]) -> dict:
    return {path: target.to_dict() for path, target in targets.items()}


def signed_part(metadata: TufMetadata | None) -> Signed | None:
    return None if metadata is None else Metadata.from_bytes(bytes(metadata.content)).signed


def next_version(metadata: TufMetadata | None) -> int:
    return 1 if metadata is None else metadata.version + 1


def publish(product_id, now: datetime | None = None,
            resign: frozenset[str] = frozenset()) -> list[TufMetadata]:
    """Sign and store whatever the product's repository needs now; returns the new files.

    Roles in ``resign`` are signed again whatever their state (their key was just rotated).
    Nothing happens while the repository has no signed root (an offline root not imported yet).
    """
    now = now or timezone.now()
    with transaction.atomic():
        repository = TufRepository.objects.select_for_update().filter(product_id=product_id).first()
        if repository is None or not repository.metadata.filter(role=TufRole.ROOT).exists():
            return []
        keys = {key.role: key for key in repository.keys.current()}
        written = _refresh_root(repository, keys[TufRole.ROOT], now)
        written += _publish_online_roles(repository, keys, now, resign)
        if written:
            repository.last_signed_at = now
            repository.save(update_fields=["last_signed_at"])
        return written


def _refresh_root(repository: TufRepository, root_key: TufKey, now: datetime) -> list[TufMetadata]:
    """A root about to expire is signed again when its key is online; an offline one waits for its owner."""
    latest = repository.metadata.latest_of(TufRole.ROOT)
    if not root_key.is_online or not needs_signing(latest, now):
        return []
    root = signed_part(latest)
    root.version += 1
    root.expires = expires_after(TufRole.ROOT, now)
    return [sign_and_store(repository, root, [root_key])]


def _publish_online_roles(repository: TufRepository, keys: dict, now: datetime, resign) -> list[TufMetadata]:
    written = []
    latest_targets = repository.metadata.latest_of(TufRole.TARGETS)
    targets = targets_of(repository.product_id)
    if TufRole.TARGETS in resign or listed_targets(latest_targets) != _as_dicts(targets) \
            or needs_signing(latest_targets, now):
        latest_targets = sign_and_store(repository, Targets(
            version=next_version(latest_targets), expires=expires_after(TufRole.TARGETS, now),
            targets=targets,
        ), [keys[TufRole.TARGETS]])
        written.append(latest_targets)
    latest_snapshot = repository.metadata.latest_of(TufRole.SNAPSHOT)
    if written or TufRole.SNAPSHOT in resign or needs_signing(latest_snapshot, now):
        latest_snapshot = sign_and_store(repository, Snapshot(
            version=next_version(latest_snapshot), expires=expires_after(TufRole.SNAPSHOT, now),
            meta={"targets.json": MetaFile(version=latest_targets.version)},
        ), [keys[TufRole.SNAPSHOT]])
        written.append(latest_snapshot)
    latest_timestamp = repository.metadata.latest_of(TufRole.TIMESTAMP)
    if written or TufRole.TIMESTAMP in resign or needs_signing(latest_timestamp, now):
        written.append(sign_and_store(repository, Timestamp(
            version=next_version(latest_timestamp), expires=expires_after(TufRole.TIMESTAMP, now),
            snapshot_meta=MetaFile(version=latest_snapshot.version),
        ), [keys[TufRole.TIMESTAMP]]))
    return written


def published_products() -> list:
    """Ids of the products whose repository has a signed root: the ones ``publish`` can sign."""
    return list(TufRepository.objects.filter(metadata__role=TufRole.ROOT).values_list("product_id", flat=True)
                .distinct())


def metadata_file(product_id, role: str, version: int | None) -> bytes | None:
    """The stored bytes of ``{version}.{role}.json``, or of the newest version when ``version`` is None."""
    files = TufMetadata.objects.filter(repository__product_id=product_id, role=role)
    found = (files.order_by("-version") if version is None else files.filter(version=version)).first()
    return None if found is None else bytes(found.content)


def target_artifact(product_id, url_path: str):
    """The verified artifact a client asks for at ``{directory}/{sha256}.{name}``, if a current target."""
    directory, _, hashed_name = url_path.rpartition("/")
    sha256, _, name = hashed_name.partition(".")
    candidates = offerable_releases(product_id).filter(artifact__sha256=sha256)
    path = f"{directory}/{name}"
    return next((release.artifact for release in candidates if target_path(release) == path), None)


def latest_versions():
    """The newest metadata of each role of each repository, without content: one query."""
    newest = (TufMetadata.objects.filter(repository=OuterRef("repository"), role=OuterRef("role"))
              .order_by("-version").values("version")[:1])
    return TufMetadata.objects.filter(version=Subquery(newest)).defer("content")


def expiring_unsigned(now: datetime | None = None) -> list[TufMetadata]:
    """Newest versions with less than a quarter of their period left.

    Beat signs each role again at half of its period, so a file this close to expiry means
    beat is not running, or the root key is offline and its owner must sign a new root.
    """
    now = now or timezone.now()
    return [metadata for metadata in latest_versions().select_related("repository__product")
            if metadata.expires - now < expiry_period(metadata.role) / 4]
