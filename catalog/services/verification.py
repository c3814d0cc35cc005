"""Verification of artifacts: stream the object once, hash it, compare with what was declared."""

import hashlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from catalog.choices import ArtifactState, FailureReason
from catalog.models import Artifact, Release
from catalog.services.objects import delete_on_commit
from catalog.storage import ArtifactStore, ObjectMissing, StorageError, TransientStorageError

logger = logging.getLogger(__name__)

# Sent with ``artifact`` when its verification is asked for, inside the caller's transaction:
# catalog.signals enqueues the task on commit (tasks sit above services, so services never import them).
verification_requested = Signal()
# Sent with ``artifact`` once a verification has recorded its outcome (verified or failed),
# inside the transaction that records it: receivers can enqueue work on its commit.
verification_finished = Signal()

# Where every verification starts from: pending, nothing failed, nothing verified or started yet.
_PENDING = {"state": ArtifactState.PENDING, "failure_reason": "", "failure_detail": "", "verified_at": None,
            "verification_started_at": None}


@dataclass(frozen=True)
class Digests:
    sha256: str
    sha1: str
    md5: str
    size: int


def compute_digests(store: ArtifactStore, key: str, heartbeat: Callable[[], None] = lambda: None) -> Digests:
    """Hash the object in one streaming pass, holding at most two chunks in memory.

    The three digests of a chunk run in parallel threads (hashlib releases the
    GIL on large buffers) while the next chunk is read from storage, so the pass
    costs about the slowest digest (MD5) or the transfer, not the sum of all four.
    ``heartbeat`` is called after each chunk read.
    """
    hashes = [hashlib.sha256(), hashlib.sha1(usedforsecurity=False), hashlib.md5(usedforsecurity=False)]
    size = 0
    with ThreadPoolExecutor(max_workers=len(hashes), thread_name_prefix="digest") as pool:
        hashing = []
        for chunk in store.iter_bytes(key):
            for job in hashing:  # the previous chunk must be in every digest before this one
                job.result()
            hashing = [pool.submit(digest.update, chunk) for digest in hashes]
            size += len(chunk)
            heartbeat()
        for job in hashing:
            job.result()
    sha256, sha1, md5 = (digest.hexdigest() for digest in hashes)
    return Digests(sha256, sha1, md5, size)


def reset_to_pending(artifact: Artifact) -> None:
    """Set, in memory, the state a verification starts from: for a caller about to save the row anyway."""
    for name, value in _PENDING.items():
        setattr(artifact, name, value)


def _mark_pending(artifact: Artifact) -> None:
    Artifact.objects.filter(pk=artifact.pk).update(**_PENDING, updated_at=timezone.now())
    reset_to_pending(artifact)


def queue_verification(artifact: Artifact) -> None:
    """Queue the verification of an artifact already marked pending, once the transaction commits."""
    verification_requested.send(sender=Artifact, artifact=artifact)


def request_verification(artifact: Artifact) -> None:
    """Mark the artifact pending and queue its verification once the transaction commits."""
    _mark_pending(artifact)
    queue_verification(artifact)


def _start(artifact_id) -> Artifact | None:
    with transaction.atomic():
        artifact = Artifact.objects.select_for_update().filter(pk=artifact_id).first()
        if artifact is None or artifact.state == ArtifactState.VERIFIED:
            return None
        artifact.state = ArtifactState.VERIFYING
        artifact.verification_started_at = timezone.now()
        artifact.verification_attempts += 1
        artifact.save(update_fields=["state", "verification_started_at", "verification_attempts", "updated_at"])
        return artifact


def _finish(artifact: Artifact, digests: Digests | None, reason: str = "", detail: str = "") -> Artifact | None:
    """Record the outcome, unless the artifact was replaced or removed while we were reading it.

    A verified candidate replaces its release's served artifact in the same transaction.
    """
    with transaction.atomic():
        current = (Artifact.objects.select_for_update(of=("self",)).select_related("release", "candidate_for")
                   .filter(pk=artifact.pk).first())
        if current is None or (current.bucket, current.storage_key) != (artifact.bucket, artifact.storage_key):
            return current
        if digests is not None:
            current.sha256, current.sha1, current.md5, current.size = (
                digests.sha256, digests.sha1, digests.md5, digests.size
            )
            current.declared_sha256 = current.declared_sha256 or digests.sha256
            current.declared_size = current.declared_size if current.declared_size is not None else digests.size
            if current.declared_sha256 != digests.sha256:
                reason = FailureReason.CHECKSUM_MISMATCH
                detail = f"declared {current.declared_sha256}, computed {digests.sha256}"
            elif current.declared_size != digests.size:
                reason = FailureReason.SIZE_MISMATCH
                detail = f"declared {current.declared_size} bytes, computed {digests.size}"
        current.failure_reason, current.failure_detail = reason, detail
        current.state = ArtifactState.FAILED if reason else ArtifactState.VERIFIED
        current.verified_at = None if reason else timezone.now()
        if not reason and current.candidate_for_id:
            _promote(current)
        current.save()
        if not reason:
            _fill_in_release(current.release, current)
        verification_finished.send(sender=Artifact, artifact=current)
    logger.info("artifact %s %s %s", current.pk, current.state, current.failure)
    return current


def _promote(candidate: Artifact) -> None:
    """The verified candidate becomes its release's served artifact; the one it replaces goes.

    The replaced object is deleted after commit, when the portal owns it.
    """
    release = candidate.candidate_for
    served = Artifact.objects.select_for_update().filter(release=release).first()
    if served is not None:
        if served.owned and (served.bucket, served.storage_key) != (candidate.bucket, candidate.storage_key):
            delete_on_commit(served.bucket, served.storage_key)
        served.delete()
    candidate.release, candidate.candidate_for = release, None


def _fill_in_release(release: Release, artifact: Artifact) -> None:
    """A release that declared no SHA-256 (or size) takes the verified artifact's, marked as computed.

    A computed checksum follows the artifact served, so it changes with a verified replacement.
    """
    if release.checksum_computed or not release.declared_sha256:
        release.declared_sha256, release.declared_size = artifact.sha256, artifact.size
        release.checksum_computed = True
    elif release.declared_size is None:
        release.declared_size = artifact.size
    else:
        return
    release.save(update_fields=["declared_sha256", "declared_size", "checksum_computed", "updated_at"])


def _heartbeat(artifact_id) -> Callable[[], None]:
    """A beat per chunk that touches the row's ``updated_at`` at most every OTA_VERIFICATION_HEARTBEAT.

    The sweep tells a live verification (a recent beat) from one whose worker died (none).
    """
    interval = settings.OTA_VERIFICATION_HEARTBEAT.total_seconds()
    last = time.monotonic()

    def beat():
        nonlocal last
        if time.monotonic() - last >= interval:
            last = time.monotonic()
            Artifact.objects.filter(pk=artifact_id, state=ArtifactState.VERIFYING).update(
                updated_at=timezone.now())

    return beat


def verify(artifact_id) -> Artifact | None:
    """Verify one artifact. Raises TransientStorageError when the storage should be asked again."""
    artifact = _start(artifact_id)
    if artifact is None:
        return None
    store = ArtifactStore(artifact.bucket)
    try:
        digests = compute_digests(store, artifact.storage_key, heartbeat=_heartbeat(artifact.pk))
    except ObjectMissing:
        return _finish(artifact, None, FailureReason.OBJECT_MISSING, artifact.storage_key)
    except TransientStorageError:
        raise
    except StorageError as error:
        return _finish(artifact, None, FailureReason.STORAGE_ERROR, str(error))
    return _finish(artifact, digests)


def verify_now(artifact: Artifact) -> Artifact:
    """Verify in this process, whatever the artifact's state, for an operator waiting on the result.

    Unlike the task, nothing retries here: a storage error is recorded as the failure.
    """
    _mark_pending(artifact)
    try:
        verify(artifact.pk)
    except TransientStorageError as error:
        give_up(artifact.pk, error)
    return Artifact.objects.get(pk=artifact.pk)


def give_up(artifact_id, error: Exception) -> None:
    """Retries are exhausted: record the storage error so the artifact is not left verifying."""
    artifact = Artifact.objects.filter(pk=artifact_id).first()
    if artifact is not None:
        _finish(artifact, None, FailureReason.STORAGE_ERROR, str(error))


def requeue_stuck() -> int:
    """Queue again the verifications that went silent: a dead worker, or a message that was lost.

    Stuck: "verifying" without a heartbeat, or "pending" untouched, for OTA_VERIFICATION_STUCK_AFTER.
    The oldest go first, at most OTA_VERIFICATION_REQUEUE_BATCH a run; re-queuing touches a row, so
    the next run takes the next batch. Rows are locked (skipping those a task holds) so that an
    artifact verified meanwhile is never sent back to pending.
    """
    cutoff = timezone.now() - settings.OTA_VERIFICATION_STUCK_AFTER
    with transaction.atomic():
        stuck = list(
            Artifact.objects.select_for_update(skip_locked=True).unsettled_since(cutoff)
            .only("pk")[: settings.OTA_VERIFICATION_REQUEUE_BATCH]
        )
        for artifact in stuck:
            request_verification(artifact)
    return len(stuck)
