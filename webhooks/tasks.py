from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Release
from webhooks import delivery, events, payloads, summaries


def send_on_commit(deliveries) -> None:
    """Queue each delivery once the transaction that recorded it commits."""
    for each in deliveries:
        deliver.delay_on_commit(each.pk)


def count_outcome_on_commit(release_id, status: str) -> None:
    """Count a device update outcome once its report commits; the window's first asks for the summary."""

    def count():
        window = summaries.current_window()
        if summaries.count(release_id, status, window):
            summarise_device_updates.apply_async((str(release_id), window),
                                                 countdown=summaries.seconds_until_end(window))

    transaction.on_commit(count)


@shared_task(ignore_result=True)
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


@shared_task(ignore_result=True)
def summarise_device_updates(release_id, window):
    """When a window ends: one event per outcome (failed, rolled back, committed) with its count."""
    counts = summaries.take(release_id, window)
    release = Release.objects.select_related("product", "module", "rollout").filter(pk=release_id).first()
    if not counts or release is None:
        return
    with transaction.atomic():
        for status, number in counts.items():
            data = payloads.outcome_summary_data(release, status, number, *summaries.window_bounds(window))
            send_on_commit(events.record(summaries.SUMMARISED[status], data, product_id=release.product_id))


@shared_task(ignore_result=True)
def prune_webhook_log():
    """Beat, daily: forget deliveries finished more than OTA_WEBHOOK_LOG_RETENTION days ago."""
    events.prune(timezone.now() - settings.OTA_WEBHOOK_LOG_RETENTION)
