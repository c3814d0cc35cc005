"""Asynchronous verification by a real Celery worker, against Redis and the S3 server."""

import hashlib
import signal
import socket
import time

import psutil
import pytest
from botocore.config import Config
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.choices import ArtifactState, FailureReason
from catalog.models import Artifact
from catalog.services import artifacts, verification
from catalog.tasks import verify_artifact
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for, worker_process

pytestmark = pytest.mark.django_db(transaction=True)


def upload(content, *, declared_sha256=None, declared_size=None, name="image.bin"):
    release = ReleaseFactory()
    return artifacts.upload(
        release, ContentFile(content, name=name), name,
        declared_sha256=hashlib.sha256(content).hexdigest() if declared_sha256 is None else declared_sha256,
        declared_size=len(content) if declared_size is None else declared_size,
    )


def settled(artifact_id):
    artifact = Artifact.objects.get(pk=artifact_id)
    return artifact if artifact.state in (ArtifactState.VERIFIED, ArtifactState.FAILED) else None


def test_matching_artifact_becomes_verified(celery_worker):
    artifact = upload(b"x" * 10_000)

    result = wait_for(lambda: settled(artifact.pk), message="verification")

    assert result.state == ArtifactState.VERIFIED
    assert result.sha256 == hashlib.sha256(b"x" * 10_000).hexdigest()
    assert result.sha1 == hashlib.sha1(b"x" * 10_000).hexdigest()
    assert result.md5 == hashlib.md5(b"x" * 10_000).hexdigest()
    assert result.size == 10_000
    assert result.verified_at is not None


def test_checksum_mismatch_fails_with_reason(celery_worker):
    artifact = upload(b"real bytes", declared_sha256="0" * 64)

    result = wait_for(lambda: settled(artifact.pk), message="verification")

    assert result.state == ArtifactState.FAILED
    assert result.failure_reason == FailureReason.CHECKSUM_MISMATCH
    assert result.verified_at is None


def test_size_mismatch_fails_with_reason(celery_worker):
    artifact = upload(b"twelve bytes", declared_size=13)

    result = wait_for(lambda: settled(artifact.pk), message="verification")

    assert result.state == ArtifactState.FAILED
    assert result.failure_reason == FailureReason.SIZE_MISMATCH


def test_missing_object_fails_with_reason(celery_worker, s3, settings):
    artifact = upload(b"soon gone")
    s3.delete_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=artifact.storage_key)

    verification.request_verification(artifact)  # again, now that the object is gone
    Artifact.objects.filter(pk=artifact.pk).update(state=ArtifactState.PENDING)
    result = wait_for(lambda: settled(artifact.pk), message="verification")

    assert result.failure_reason == FailureReason.OBJECT_MISSING


def test_absent_declared_values_are_filled_in_from_the_computed_ones(celery_worker):
    artifact = upload(b"undeclared", declared_sha256="", declared_size=None)
    Artifact.objects.filter(pk=artifact.pk).update(declared_sha256="", declared_size=None)

    result = wait_for(lambda: settled(artifact.pk), message="verification")

    assert result.state == ArtifactState.VERIFIED
    assert result.declared_sha256 == hashlib.sha256(b"undeclared").hexdigest()
    assert result.declared_size == len(b"undeclared")
    result.release.refresh_from_db()
    assert result.release.declared_sha256 == result.sha256


def test_an_upload_writes_its_pending_artifact_row_once():
    release = ReleaseFactory()

    with CaptureQueriesContext(connection) as queries:
        artifacts.upload(release, ContentFile(b"written once", name="image.bin"), "image.bin")

    writes = [query["sql"] for query in queries.captured_queries
              if query["sql"].startswith(("INSERT", "UPDATE")) and '"catalog_artifact"' in query["sql"]]
    assert len(writes) == 1 and writes[0].startswith("INSERT")


@pytest.fixture
def unreachable_storage(settings):
    """Artifact storage at a loopback port nothing listens on, asked once per read (botocore retries off)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    artifact_storage = settings.STORAGES["artifacts"]
    options = dict(artifact_storage["OPTIONS"], endpoint_url=f"http://127.0.0.1:{port}", client_config=Config(
        signature_version="s3v4", s3={"addressing_style": "path"}, retries={"total_max_attempts": 1}))
    settings.STORAGES = {**settings.STORAGES, "artifacts": {**artifact_storage, "OPTIONS": options}}


def test_a_storage_that_does_not_answer_is_asked_again_then_recorded_as_failed(
        celery_worker, unreachable_storage, monkeypatch):
    # Given one retry instead of six (it comes 5 s after the first attempt)
    monkeypatch.setattr(verify_artifact, "max_retries", 1)

    # When an object is referenced (nothing is read until the worker verifies it)
    artifact = artifacts.reference(ReleaseFactory(), "", "firmware/image.bin")

    # Then the worker tried again before recording the storage error as the artifact's failure
    result = wait_for(lambda: settled(artifact.pk), timeout=60, message="verification to give up")
    assert result.state == ArtifactState.FAILED
    assert result.failure_reason == FailureReason.STORAGE_ERROR
    assert result.failure_detail.startswith("EndpointConnectionError")
    # At least: the broker may deliver the retry twice (the tests' visibility timeout is 5 s, as its delay).
    assert result.verification_attempts >= 2


def test_verifying_again_a_verified_artifact_changes_nothing(celery_worker):
    artifact = upload(b"once")
    first = wait_for(lambda: settled(artifact.pk), message="verification")

    assert verification.verify(artifact.pk) is None

    assert Artifact.objects.get(pk=artifact.pk).verified_at == first.verified_at


def test_sweep_requeues_an_artifact_stuck_in_verifying(celery_worker, settings):
    artifact = upload(b"stuck")
    wait_for(lambda: settled(artifact.pk), message="first verification")
    Artifact.objects.filter(pk=artifact.pk).update(  # started long ago, no heartbeat since
        state=ArtifactState.VERIFYING, verification_started_at="2000-01-01T00:00:00Z",
        updated_at="2000-01-01T00:00:00Z",
    )

    assert verification.requeue_stuck() == 1

    assert wait_for(lambda: settled(artifact.pk), message="re-verification").state == ArtifactState.VERIFIED


@pytest.mark.slow
def test_worker_killed_mid_task_does_not_leave_the_artifact_verifying(settings):
    content = b"\0" * (64 * 1024 * 1024)
    slow = {"OTA_STREAM_CHUNK_SIZE": str(64 * 1024)}  # many small reads: the task runs long enough to kill
    with worker_process(env=slow) as first:
        artifact = upload(content)
        wait_for(lambda: Artifact.objects.get(pk=artifact.pk).state == ArtifactState.VERIFYING,
                 message="verification to start")
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert Artifact.objects.get(pk=artifact.pk).state == ArtifactState.VERIFYING

    # The message was never acknowledged: the broker redelivers it after the visibility timeout.
    with worker_process():
        result = wait_for(lambda: settled(artifact.pk), timeout=90, message="redelivered verification")

    assert result.state == ArtifactState.VERIFIED
    assert result.verification_attempts >= 2


@pytest.mark.slow
def test_verifying_200_mb_keeps_the_worker_memory_flat():
    content = b"\xab" * (200 * 1024 * 1024)
    with worker_process() as worker:
        process = psutil.Process(worker.pid)
        small = upload(b"warm up")
        wait_for(lambda: settled(small.pk), timeout=60, message="warm-up verification")
        baseline = process.memory_info().rss

        large = upload(content)
        peak = baseline
        while not settled(large.pk):
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.05)

    assert settled(large.pk).state == ArtifactState.VERIFIED
    assert peak - baseline < 64 * 1024 * 1024, f"worker grew by {(peak - baseline) / 2**20:.0f} MiB"
