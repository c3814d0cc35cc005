"""Sending a delivery as the Standard Webhooks specification says, and what follows each attempt.

Each attempt POSTs the event's JSON with ``webhook-id`` (the event's id, the same on
every retry), ``webhook-timestamp`` (the attempt's Unix time) and ``webhook-signature``
(``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` keyed with the
secret's decoded bytes). A 2xx answer delivers; anything else, a timeout or a refused
connection is a failed attempt, retried after OTA_WEBHOOK_RETRY_SCHEDULE. A delivery
whose schedule runs out fails its message; OTA_WEBHOOK_DISABLE_AFTER failed messages
in a row disable the subscription. Redirects are not followed.
"""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webhooks.choices import DeliveryState
from webhooks.models import RESPONSE_EXCERPT_LENGTH, Attempt, Delivery, Subscription

USER_AGENT = "otaportal-webhooks/1"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    response_excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def post(url: str, message_id: str, key: bytes, body: bytes) -> Outcome:
    """One signed POST with OTA_WEBHOOK_TIMEOUT for connecting and for the answer."""
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(key, message_id, timestamp, body),
    }
    timeout = urllib3.Timeout(connect=settings.OTA_WEBHOOK_TIMEOUT, read=settings.OTA_WEBHOOK_TIMEOUT)
    started = time.monotonic()
    try:
        with urllib3.PoolManager(retries=False, timeout=timeout) as http:
            response = http.request("POST", url, body=body, headers=headers, redirect=False,
                                    preload_content=False)
            excerpt = response.read(RESPONSE_EXCERPT_LENGTH).decode("utf-8", "replace")
            response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        return Outcome(None, _elapsed_ms(started), error=_describe(error))
    return Outcome(response.status, _elapsed_ms(started), response_excerpt=excerpt)


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _describe(error: urllib3.exceptions.HTTPError) -> str:
    if isinstance(error, (urllib3.exceptions.TimeoutError, urllib3.exceptions.ReadTimeoutError)):
        return f"timed out after {settings.OTA_WEBHOOK_TIMEOUT} s"
    return str(error.reason if isinstance(error, urllib3.exceptions.MaxRetryError) else error)


def retry_delay(attempts: int) -> timedelta | None:
    """How long after its ``attempts``-th failed attempt a delivery is tried again; None: no more."""
    schedule = settings.OTA_WEBHOOK_RETRY_SCHEDULE
    return timedelta(seconds=schedule[attempts - 1]) if attempts <= len(schedule) else None


def attempt(delivery_id) -> timedelta | None:
    """Send the delivery if it is pending and due; returns the delay before its next attempt, if any.

    The row stays locked while the request runs (at most twice OTA_WEBHOOK_TIMEOUT), so a
    delivery queued twice (by its countdown and by the sweep) is sent once.
    """
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("event", "subscription")
                    .filter(pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
                    .first())
        if delivery is None:
            return None
        subscription = delivery.subscription
        if not subscription.is_active:
            _finish(delivery, DeliveryState.FAILED)
            return None
        body = encode(delivery.event.payload)
        outcome = post(subscription.url, delivery.event_id, subscription.signing_key, body)
        delivery.attempts += 1
        Attempt.objects.create(delivery=delivery, number=delivery.attempt_log.count() + 1,
                               status_code=outcome.status_code, latency_ms=outcome.latency_ms,
                               response_excerpt=outcome.response_excerpt, error=outcome.error)
        if outcome.succeeded:
            _finish(delivery, DeliveryState.SUCCEEDED)
            Subscription.objects.filter(pk=subscription.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0)
            return None
        delay = retry_delay(delivery.attempts)
        if delay is None:
            _finish(delivery, DeliveryState.FAILED)
            _count_failed_message(subscription)
            return None
        delivery.next_attempt_at = timezone.now() + delay
        delivery.save(update_fields=["attempts", "next_attempt_at"])
        return delay


def _finish(delivery: Delivery, state: str) -> None:
    delivery.state, delivery.finished_at = state, timezone.now()
    delivery.save(update_fields=["state", "attempts", "finished_at"])


def _count_failed_message(subscription: Subscription) -> None:
    """One more message failed; OTA_WEBHOOK_DISABLE_AFTER in a row disable the subscription."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if subscription.is_active and subscription.consecutive_failures >= settings.OTA_WEBHOOK_DISABLE_AFTER:
        subscription.is_active, subscription.disabled_at = False, timezone.now()
        subscription.disabled_reason = (
            f"Disabled after {subscription.consecutive_failures} messages in a row failed every attempt."
        )
        fields += ["is_active", "disabled_at", "disabled_reason"]
    subscription.save(update_fields=[*fields, "updated_at"])


def due_deliveries(limit: int) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first: the sweep queues them again."""
    return list(Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
