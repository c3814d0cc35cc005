"""Putting files behind releases: upload to storage, reference existing objects, delete."""

import logging
import posixpath
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.choices import ArtifactState
from catalog.models import DEFAULT_MODULE, Artifact, Release
from catalog.services.verification import request_verification
from catalog.storage import ArtifactStore, StorageError
from catalog.validators import file_name_validator

logger = logging.getLogger(__name__)


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


def _delete_later(bucket: str, key: str) -> None:
    def delete():
        try:
            ArtifactStore(bucket).delete(key)
        except StorageError:
            logger.exception("could not delete replaced object %s/%s", bucket, key)

    transaction.on_commit(delete)


def _attach(release: Release, *, bucket: str, key: str, owned: bool, file_name: str,
            declared_sha256: str, declared_size: int | None) -> Artifact:
    with transaction.atomic():
        artifact = Artifact.objects.select_for_update().filter(release=release).first()
        if artifact is not None and artifact.owned and (artifact.bucket, artifact.storage_key) != (bucket, key):
            _delete_later(artifact.bucket, artifact.storage_key)
        artifact = artifact or Artifact(release=release)
        artifact.bucket, artifact.storage_key, artifact.owned, artifact.file_name = bucket, key, owned, file_name
        artifact.declared_sha256 = declared_sha256 or release.declared_sha256
        artifact.declared_size = release.declared_size if declared_size is None else declared_size
        artifact.sha256 = artifact.sha1 = artifact.md5 = ""
        artifact.size = None
        artifact.state = ArtifactState.PENDING
        artifact.save()
        request_verification(artifact)
    return artifact


def upload(release: Release, content, file_name: str, *, declared_sha256: str = "",
           declared_size: int | None = None) -> Artifact:
    """Store ``content`` under a fresh key and make it the release's artifact, pending verification.

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
    """Delete the artifact row, and its object when the portal owns it, after commit."""
    with transaction.atomic():
        if artifact.owned:
            _delete_later(artifact.bucket, artifact.storage_key)
        artifact.delete()
