"""Deliveries through a real Celery worker to a real receiver that checks the Standard Webhooks signature."""

from django.core.files.base import ContentFile

from catalog.choices import FailureReason
from catalog.services import artifacts
from rollouts.models import Strategy
from rollouts.services import transitions
from tests.factories import ReleaseFactory
from tests.fixtures.catalog import sha256_of
from tests.fixtures.rollouts import attach_verified_artifact
from tests.fixtures.services import wait_for
from webhooks import services
from webhooks.choices import DeliveryState
from webhooks.models import Attempt, Delivery, WebhookEvent
from webhooks.tasks import send_due_webhooks, send_on_commit


def _delivery_settled(subscription):
    return lambda: (Delivery.objects.filter(subscription=subscription)
                    .exclude(state=DeliveryState.PENDING).first())


def test_starting_a_rollout_delivers_rollout_started_signed_by_the_standard(
        celery_worker, receiver, subscribe, product):
    # Given a receiver subscribed to every event and a release ready to roll out
    subscription = subscribe()
    release = ReleaseFactory(product=product, version="2.0.0")
    attach_verified_artifact(release)

    # When the rollout starts
    transitions.start(release.rollout, strategy=Strategy.GENERAL)

    # Then the receiver gets rollout.started, and the standardwebhooks library accepts its signature
    wait_for(lambda: receiver.received, message="the webhook")
    received = receiver.received[0]
    assert received.verified
    assert received.payload["type"] == "rollout.started"
    assert received.payload["data"]["rollout"]["release"] == {
        "id": str(release.pk), "product": "thermostat", "module": "default", "version": "2.0.0",
        "status": "active"}
    assert received.headers["webhook-id"] == WebhookEvent.objects.get().id
    delivery = wait_for(_delivery_settled(subscription), message="the delivery to be logged")
    assert delivery.state == DeliveryState.SUCCEEDED
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 204)]


def test_each_event_has_its_own_id_and_arrives_in_order(celery_worker, receiver, subscribe,
                                                        offerable_release):
    # Given a running rollout and a receiver subscribed to its events
    release = offerable_release()
    subscribe(event_types=["rollout.paused", "rollout.resumed"])

    # When it is paused and resumed
    transitions.pause(release.rollout, "looking at a report")
    transitions.resume(release.rollout)

    # Then two events arrive, with distinct ids and timestamps in the order they happened
    wait_for(lambda: len(receiver.received) == 2, message="two webhooks")
    first, second = (received.payload for received in receiver.received)
    assert [first["type"], second["type"]] == ["rollout.paused", "rollout.resumed"]
    assert receiver.received[0].headers["webhook-id"] != receiver.received[1].headers["webhook-id"]
    assert first["timestamp"] <= second["timestamp"]


def test_a_verified_artifact_is_announced(celery_worker, receiver, subscribe, product, s3):
    # Given a receiver of artifact events
    subscribe(event_types=["artifact.verified", "artifact.failed"])
    release = ReleaseFactory(product=product, version="3.0.0")
    content = b"firmware image\n"

    # When an upload is verified by the worker
    artifacts.upload(release, ContentFile(content, name="fw.bin"), "fw.bin",
                     declared_sha256=sha256_of(content), declared_size=len(content))

    # Then artifact.verified arrives with its checksum
    wait_for(lambda: receiver.received, message="the webhook")
    payload = receiver.received[0].payload
    assert payload["type"] == "artifact.verified"
    assert payload["data"]["artifact"]["sha256"] == sha256_of(content)


def test_an_artifact_failing_its_checksum_is_announced(celery_worker, receiver, subscribe, product, s3):
    # Given a receiver of artifact events
    subscribe(event_types=["artifact.verified", "artifact.failed"])
    release = ReleaseFactory(product=product, version="3.0.0")

    # When an upload does not match its declared checksum
    artifacts.upload(release, ContentFile(b"tampered", name="fw.bin"), "fw.bin", declared_sha256="0" * 64)

    # Then artifact.failed arrives with the reason
    wait_for(lambda: receiver.received, message="the webhook")
    payload = receiver.received[0].payload
    assert payload["type"] == "artifact.failed"
    assert payload["data"]["artifact"]["failureReason"] == FailureReason.CHECKSUM_MISMATCH


def test_a_failed_attempt_is_retried_with_the_same_id_and_both_are_logged(celery_worker, receiver, subscribe,
                                                                          settings):
    # Given a receiver that answers 500 once, then 204, and a short retry schedule
    settings.OTA_WEBHOOK_RETRY_SCHEDULE = [0.2]
    receiver.answers = [(500, 0)]
    subscription = subscribe()

    # When a test event is sent
    send_on_commit([services.send_test_event(subscription)])

    # Then it is delivered at the second attempt, under the same message id, and both attempts are logged
    delivery = wait_for(_delivery_settled(subscription), message="the delivery to settle")
    assert delivery.state == DeliveryState.SUCCEEDED
    assert list(delivery.attempt_log.values_list("number", "status_code")) == [(1, 500), (2, 204)]
    assert {received.headers["webhook-id"] for received in receiver.received} == {delivery.event_id}
    assert all(received.verified for received in receiver.received)


def test_a_receiver_that_does_not_answer_in_time_is_logged_as_timed_out(celery_worker, receiver, subscribe,
                                                                         settings):
    # Given a receiver slower than the timeout, and no retries
    settings.OTA_WEBHOOK_TIMEOUT = 0.3
    settings.OTA_WEBHOOK_RETRY_SCHEDULE = []
    receiver.answers = [(204, 1.5)]
    subscription = subscribe()

    # When a test event is sent
    send_on_commit([services.send_test_event(subscription)])

    # Then the delivery fails, its attempt logged with the timeout and no status
    delivery = wait_for(_delivery_settled(subscription), message="the delivery to settle")
    assert delivery.state == DeliveryState.FAILED
    attempt = Attempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.error) == (None, "timed out after 0.3 s")
    assert attempt.latency_ms >= 300


def test_consecutive_failed_messages_disable_the_subscription(celery_worker, receiver, subscribe, settings):
    # Given a receiver that always fails, no retries, and disabling after two failed messages
    settings.OTA_WEBHOOK_RETRY_SCHEDULE = []
    settings.OTA_WEBHOOK_DISABLE_AFTER = 2
    receiver.answers = [(503, 0), (503, 0)]
    subscription = subscribe()

    # When two messages fail
    for _ in range(2):
        send_on_commit([services.send_test_event(subscription)])
        wait_for(lambda: not Delivery.objects.filter(state=DeliveryState.PENDING).exists(),
                 message="a failure")

    # Then the subscription is disabled, saying why
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_reason == "Disabled after 2 messages in a row failed every attempt."
    assert subscription.disabled_at is not None


def test_the_sweep_sends_a_due_delivery_whose_message_was_lost(celery_worker, receiver, subscribe):
    # Given a pending delivery that was never queued (its message lost with a worker)
    subscription = subscribe()
    lost = services.send_test_event(subscription)

    # When the minute sweep runs
    send_due_webhooks.delay()

    # Then the delivery is sent
    delivery = wait_for(_delivery_settled(subscription), message="the delivery to settle")
    assert (delivery.pk, delivery.state) == (lost.pk, DeliveryState.SUCCEEDED)
    assert [received.headers["webhook-id"] for received in receiver.received] == [lost.event_id]
