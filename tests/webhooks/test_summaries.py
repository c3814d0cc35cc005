"""Device update outcomes reach receivers as one summary per rollout and window, not one message each."""

from collections import Counter

from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.services import consent, feedback
from tests.factories import DeviceFactory
from tests.fixtures.services import wait_for
from webhooks.models import WebhookEvent


def _report(release, product, *statuses):
    for status in statuses:
        update = DeviceUpdate.objects.create(device=DeviceFactory(product=product), release=release)
        update = feedback.report_status(update, UpdateStatus.DOWNLOADING)
        feedback.report_status(update, status)


def test_device_update_outcomes_are_summarised_per_rollout(
        celery_worker, receiver, subscribe, offerable_release, product, settings):
    # Given a running rollout, a receiver of outcome summaries, and windows of three seconds
    settings.OTA_WEBHOOK_SUMMARY_WINDOW = 3
    release = offerable_release()
    subscribe(event_types=["device_updates.failed", "device_updates.committed", "device_updates.rolled_back"])

    # When five devices fail and one commits
    _report(release, product, *[UpdateStatus.FAILED] * 5, UpdateStatus.COMMITTED)

    # Then the receiver gets summaries counting them all: at most one per outcome and window
    # (the reports may straddle two windows), each naming the rollout's release
    def counted():
        totals = Counter()
        for received in receiver.received:
            totals[received.payload["type"]] += received.payload["data"]["count"]
        return totals if totals == {"device_updates.failed": 5, "device_updates.committed": 1} else None

    wait_for(counted, timeout=20, message="summaries counting six outcomes")
    assert len(receiver.received) <= 4
    payload = receiver.received[0].payload["data"]
    assert payload["rollout"]["release"]["version"] == release.version
    assert payload["windowStart"] < payload["windowEnd"]
    assert all(received.verified for received in receiver.received)


def test_a_device_report_records_no_event_while_the_device_waits(subscribe, offerable_release, product):
    # Given a running rollout and a receiver of failure summaries
    release = offerable_release()
    subscribe(event_types=["device_updates.failed"])

    # When a device reports a failure (its transaction not yet committed)
    _report(release, product, UpdateStatus.FAILED)

    # Then no event row was written in the device's request: only a counter, after commit
    assert not WebhookEvent.objects.exists()


def test_denials_are_summarised_apart_from_failures(celery_worker, receiver, subscribe, offerable_release, product,
                                                    settings):
    # Given a rollout asking for consent, and a receiver of failure and denial summaries
    settings.OTA_WEBHOOK_SUMMARY_WINDOW = 3
    release = offerable_release()
    subscribe(event_types=["device_updates.failed", "device_updates.denied"])

    # When two devices' users deny the update
    for _ in range(2):
        update = DeviceUpdate.objects.create(device=DeviceFactory(product=product), release=release,
                                             status=UpdateStatus.AWAITING_CONFIRMATION)
        consent.deny(update, details=("not now",))

    # Then the receiver hears of two denials, and of no failure
    def counted():
        totals = Counter()
        for received in receiver.received:
            totals[received.payload["type"]] += received.payload["data"]["count"]
        return totals if totals == {"device_updates.denied": 2} else None

    wait_for(counted, timeout=20, message="a summary counting two denials")
    assert receiver.received[0].payload["data"]["status"] == UpdateStatus.DENIED
