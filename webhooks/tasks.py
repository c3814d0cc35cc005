from celery import shared_task
from django.conf import settings

from webhooks import delivery


def send_on_commit(deliveries) -> None:
    """Queue each delivery once the transaction that recorded it commits."""
    for each in deliveries:
        deliver.delay_on_commit(each.pk)


@shared_task(acks_late=True, ignore_result=True)
def deliver(delivery_id):
    """One attempt; a retry due within OTA_WEBHOOK_COUNTDOWN_LIMIT is queued with a countdown.

    Later retries (and messages lost with a worker) are queued by the sweep,
    ``send_due_webhooks``: a countdown longer than the broker's visibility timeout
    would be redelivered early by Redis.
    """
    delay = delivery.attempt(delivery_id)
    if delay is not None and delay.total_seconds() <= settings.OTA_WEBHOOK_COUNTDOWN_LIMIT:
        deliver.apply_async((delivery_id,), countdown=delay.total_seconds())


@shared_task(ignore_result=True)
def send_due_webhooks():
    """Beat, every minute: queue the deliveries whose next attempt is due."""
    for delivery_id in delivery.due_deliveries(settings.OTA_WEBHOOK_SWEEP_BATCH):
        deliver.delay(delivery_id)
