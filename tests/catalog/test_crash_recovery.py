"""A worker killed mid-verification: the sweep re-queues its artifact within minutes, not after the
broker's visibility timeout, and leaves a slow but live verification alone (docs/operations.md,
"When a process dies")."""

import hashlib
import signal
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from catalog.choices import ArtifactState
from catalog.models import Artifact
from catalog.services import artifacts, verification
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for, worker_process

# Many small reads make a 64 MiB verification last long enough to watch (and kill); a heartbeat every
# 0.2 s; a broker that would redeliver a dead worker's task only after an hour, as in production.
SLOW = {"OTA_STREAM_CHUNK_SIZE": "2048", "OTA_VERIFICATION_HEARTBEAT": "0.2",
        "CELERY_VISIBILITY_TIMEOUT": "3600"}
CONTENT = b"\0" * (64 * 1024 * 1024)


def upload(content):
    release = ReleaseFactory()
    return artifacts.upload(release, ContentFile(content, name="image.bin"), "image.bin",
                            declared_sha256=hashlib.sha256(content).hexdigest(), declared_size=len(content))


def state_of(artifact):
    return Artifact.objects.get(pk=artifact.pk).state


def stuck_since(*artifacts, minutes_ago):
    for artifact in artifacts:
        Artifact.objects.filter(pk=artifact.pk).update(
            state=ArtifactState.VERIFYING, updated_at=timezone.now() - timedelta(minutes=minutes_ago)
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_sweep_requeues_a_killed_workers_verification_long_before_redelivery(settings):
    settings.OTA_VERIFICATION_STUCK_AFTER = timedelta(seconds=1)
    with worker_process(env=SLOW) as doomed:
        artifact = upload(CONTENT)
        wait_for(lambda: state_of(artifact) == ArtifactState.VERIFYING, message="verification to start")
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()

    with worker_process(env=SLOW):
        time.sleep(1.5)  # no heartbeat for longer than OTA_VERIFICATION_STUCK_AFTER
        requeued = verification.requeue_stuck()
        result = wait_for(lambda: state_of(artifact) == ArtifactState.VERIFIED, timeout=90,
                          message="re-queued verification")

    assert requeued == 1
    assert result
    assert Artifact.objects.get(pk=artifact.pk).verification_attempts == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_sweep_leaves_a_slow_but_live_verification_alone(settings):
    settings.OTA_VERIFICATION_STUCK_AFTER = timedelta(seconds=1)
    with worker_process(env=SLOW):
        artifact = upload(CONTENT)
        wait_for(lambda: state_of(artifact) == ArtifactState.VERIFYING, message="verification to start")
        time.sleep(2)  # started longer ago than OTA_VERIFICATION_STUCK_AFTER, but beating
        assert state_of(artifact) == ArtifactState.VERIFYING, "verification was too fast to test"

        requeued = verification.requeue_stuck()
        wait_for(lambda: state_of(artifact) == ArtifactState.VERIFIED, timeout=90, message="verification")

    assert requeued == 0
    assert Artifact.objects.get(pk=artifact.pk).verification_attempts == 1


@pytest.mark.django_db
def test_the_sweep_takes_the_oldest_stuck_artifacts_first_in_bounded_batches(settings):
    settings.OTA_VERIFICATION_REQUEUE_BATCH = 2
    oldest, older, old = (upload(f"image {n}".encode()) for n in range(3))
    stuck_since(oldest, minutes_ago=30)
    stuck_since(older, minutes_ago=20)
    stuck_since(old, minutes_ago=10)

    first_run = verification.requeue_stuck()

    assert first_run == 2
    assert [state_of(artifact) for artifact in (oldest, older, old)] == [
        ArtifactState.PENDING, ArtifactState.PENDING, ArtifactState.VERIFYING]
    assert verification.requeue_stuck() == 1


@pytest.mark.django_db
def test_the_sweep_leaves_a_verification_with_a_recent_heartbeat(settings):
    artifact = upload(b"being read")
    Artifact.objects.filter(pk=artifact.pk).update(
        state=ArtifactState.VERIFYING, verification_started_at=timezone.now() - timedelta(hours=1),
        updated_at=timezone.now() - timedelta(seconds=10),
    )

    assert verification.requeue_stuck() == 0
    assert state_of(artifact) == ArtifactState.VERIFYING


@pytest.mark.django_db
def test_the_sweeps_query_is_served_by_its_partial_index():
    upload(b"one artifact")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table of one row: the planner must be pushed
        plan = Artifact.objects.unsettled_since(timezone.now()).explain()

    assert "artifact_unsettled_by_age" in plan
