"""Putting files behind releases: upload to storage, reference existing objects, delete."""

import posixpath
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import DEFAULT_MODULE, Artifact, Release
from catalog.services.objects import delete_on_commit
from catalog.services.verification import queue_verification, reset_to_pending
from catalog.storage import ArtifactStore
from catalog.validators import file_name_validator


def clean_file_name(name: str) -> str:
    """The base name of an uploaded file, refused when it is empty or has unsafe characters."""
    base = posixpath.basename((name or "").replace("\\", "/")).strip()
    file_name_validator(base)
    return base


def default_file_name(release: Release) -> str:
    """The name a file gets when its uploader gives none: product, module (unless default) and version."""
    parts = [release.product.key]
    if release.module.name != DEFAULT_MODULE:
        parts.append(release.module.name)
    parts.append(release.version)
    return clean_file_name("-".join(parts).lstrip("_-.") + ".bin")


def check_size(size: int | None) -> None:
    if size is not None and size > settings.OTA_MAX_ARTIFACT_SIZE:
        raise ValidationError(
            f"The file is {size} bytes; the largest accepted is {settings.OTA_MAX_ARTIFACT_SIZE} bytes.",
            code="too_large",
        )


def _attach(release: Release, *, bucket: str, key: str, owned: bool, file_name: str,
            declared_sha256: str, declared_size: int | None) -> Artifact:
    """Make the object the release's artifact, pending verification.

    While the release's served artifact is verified, the object becomes its candidate
    instead, and the served artifact stays as it is until the candidate is verified
    (catalog.services.verification promotes it). A checksum the portal computed from an
    earlier file binds nothing: the new file's own is computed.
    """
    with transaction.atomic():
        # The candidate first, then the served artifact: the order verification locks them in.
        candidate = Artifact.objects.select_for_update().filter(candidate_for=release).first()
        served = Artifact.objects.select_for_update().filter(release=release).first()
        # Read once the locks are held: a verification that held them may just have filled these in.
        release.refresh_from_db(fields=["declared_sha256", "declared_size", "checksum_computed"])
        if served is not None and served.is_verified:
            artifact = candidate or Artifact(candidate_for=release)
        else:
            if candidate is not None:
                remove(candidate)
            artifact = served or Artifact(release=release)
        if artifact.pk and artifact.owned and (artifact.bucket, artifact.storage_key) != (bucket, key):
            delete_on_commit(artifact.bucket, artifact.storage_key)
        bound = not release.checksum_computed
        artifact.bucket, artifact.storage_key, artifact.owned, artifact.file_name = bucket, key, owned, file_name
        artifact.declared_sha256 = declared_sha256 or (release.declared_sha256 if bound else "")
        artifact.declared_size = declared_size if declared_size is not None else (
            release.declared_size if bound else None
        )
        artifact.sha256 = artifact.sha1 = artifact.md5 = ""
        artifact.size = None
        reset_to_pending(artifact)
        artifact.save()
        queue_verification(artifact)
    return artifact


def upload(release: Release, content, file_name: str, *, declared_sha256: str = "",
           declared_size: int | None = None) -> Artifact:
    """Store ``content`` under a fresh key and make it the release's artifact (or replacement), pending verification.

    The object is written before the row; if the row cannot be written the object
    is removed again, so storage and database never disagree.
    """
    file_name = clean_file_name(file_name)
    check_size(getattr(content, "size", None))
    key = f"{release.product.key}/{release.module.name}/{release.version}/{uuid.uuid4().hex}/{file_name}"
    store = ArtifactStore()
    saved_key = store.save(key, content)
    try:
        return _attach(release, bucket="", key=saved_key, owned=True, file_name=file_name,
                       declared_sha256=declared_sha256, declared_size=declared_size)
    except Exception:
        store.delete(saved_key)
        raise


def reference(release: Release, bucket: str, key: str, *, declared_sha256: str = "") -> Artifact:
    """Make an object that already exists in storage the release's artifact (never deleted by us)."""
    configured = ArtifactStore().storage
    same_bucket = bucket == getattr(configured, "bucket_name", None)
    return _attach(release, bucket="" if same_bucket else bucket, key=key, owned=False,
                   file_name=posixpath.basename(key), declared_sha256=declared_sha256, declared_size=None)


def remove(artifact: Artifact) -> None:
    """Delete the artifact row, and its object when the portal owns it, after commit.

    A served artifact takes its release's candidate replacement with it.
    """
    with transaction.atomic():
        if artifact.release_id:
            candidate = Artifact.objects.filter(candidate_for_id=artifact.release_id).first()
            if candidate is not None:
                remove(candidate)
        if artifact.owned:
            delete_on_commit(artifact.bucket, artifact.storage_key)
        artifact.delete()
