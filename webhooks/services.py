"""Managing subscriptions: the one path the admin and the API share.

Functions returning deliveries leave queuing them to the caller
(``webhooks.tasks.send_on_commit``), which sits above this module.
"""

from django.db import transaction
from django.utils import timezone

from webhooks.choices import DeliveryState, EventType
from webhooks.events import envelope
from webhooks.models import Delivery, Subscription, WebhookEvent


def create_subscription(**fields) -> tuple[Subscription, str]:
    """A new subscription and its secret, which is shown this once."""
    subscription = Subscription(**fields)
    secret = subscription.assign_secret()
    subscription.full_clean()
    subscription.save()
    return subscription, secret


def update_subscription(subscription: Subscription, **fields) -> Subscription:
    """Change the given fields; turning a disabled subscription on again starts its failure count afresh."""
    reactivated = fields.get("is_active") and not subscription.is_active
    for name, value in fields.items():
        setattr(subscription, name, value)
    if reactivated:
        subscription.consecutive_failures = 0
        subscription.disabled_at, subscription.disabled_reason = None, ""
    subscription.full_clean()
    subscription.save()
    return subscription


def rotate_secret(subscription: Subscription) -> str:
    """Give the subscription a new secret at once; returns it, shown this once."""
    secret = subscription.assign_secret()
    subscription.save(update_fields=["encrypted_secret", "updated_at"])
    return secret


def send_test_event(subscription: Subscription) -> Delivery:
    """A ``webhook.test`` event for this subscription only, to check its receiver (if active)."""
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            type=EventType.WEBHOOK_TEST, product=subscription.product,
            payload=envelope(EventType.WEBHOOK_TEST, {"subscription": subscription.pk}),
        )
        return Delivery.objects.create(event=event, subscription=subscription)


def redeliver(delivery: Delivery) -> Delivery:
    """Send a delivery again, same message id, on a fresh retry schedule; past attempts stay logged."""
    delivery.state, delivery.attempts, delivery.finished_at = DeliveryState.PENDING, 0, None
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["state", "attempts", "finished_at", "next_attempt_at"])
    return delivery
