"""How an event is recorded once, with a delivery for each subscription that wants it."""

from django.utils import timezone

from webhooks.models import Delivery, Subscription, WebhookEvent


def envelope(event_type: str, data: dict, occurred_at=None) -> dict:
    """The body of every webhook: its type, when it happened (ISO 8601, UTC) and its data."""
    return {"type": event_type, "timestamp": (occurred_at or timezone.now()).isoformat(), "data": data}


def record(event_type: str, data: dict, *, product_id=None, occurred_at=None) -> list:
    """Record the event once with a delivery for each active subscription that wants it.

    Called inside the transaction of the change, so an event exists only if the change
    does; the caller queues the deliveries it returns (``webhooks.tasks.send_on_commit``).
    Nothing is recorded when nobody subscribed.
    """
    subscriptions = Subscription.objects.wanting(event_type, product_id)
    if not subscriptions:
        return []
    event = WebhookEvent.objects.create(
        type=event_type, product_id=product_id, payload=envelope(event_type, data, occurred_at)
    )
    return Delivery.objects.bulk_create(
        Delivery(event=event, subscription=subscription) for subscription in subscriptions
    )


def prune(before) -> int:
    """Delete deliveries finished before ``before`` (with their attempts), then events left with none.

    Pending deliveries stay, however old. Returns the number of events deleted.
    """
    Delivery.objects.filter(finished_at__lt=before).delete()
    deleted, _ = WebhookEvent.objects.filter(created_at__lt=before, deliveries__isnull=True).delete()
    return deleted
