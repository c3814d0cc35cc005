"""The timeout sweep as beat runs it: a real worker times stalled updates out, webhooks summarise them."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.services import transitions
from rollouts.tasks import time_out_stalled_updates
from tests.factories import DeviceFactory
from tests.fixtures.services import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_beat_runs_the_sweep_every_minute():
    entry = next(entry for entry in settings.CELERY_BEAT_SCHEDULE.values()
                 if entry["task"] == time_out_stalled_updates.name)

    assert entry["schedule"] == timedelta(minutes=1)


def test_a_worker_times_out_stalled_updates_and_webhooks_summarise_them(
        celery_worker, receiver, subscribe, offerable_release, product, settings):
    # Given a rollout with a download timeout, a receiver of timeout summaries and two devices stuck downloading
    settings.OTA_WEBHOOK_SUMMARY_WINDOW = 2
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, download_timeout=timedelta(hours=1))
    subscribe(event_types=["device_updates.timed_out"])
    for n in range(2):
        DeviceUpdate.objects.create(device=DeviceFactory(product=product, uid=f"unit-{n}"), release=release,
                                    status=UpdateStatus.DOWNLOADING,
                                    status_changed_at=timezone.now() - timedelta(hours=2))

    # When beat's task runs on the worker
    time_out_stalled_updates.delay()

    # Then both time out, and the receiver is told once how many
    wait_for(lambda: set(DeviceUpdate.objects.values_list("status", flat=True)) == {UpdateStatus.TIMED_OUT},
             message="the stalled updates to time out")
    wait_for(lambda: receiver.received, timeout=20, message="the timeout summary")
    data = receiver.received[0].payload["data"]
    assert receiver.received[0].payload["type"] == "device_updates.timed_out"
    assert (data["status"], data["count"]) == (UpdateStatus.TIMED_OUT, 2)
