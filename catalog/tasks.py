from celery import shared_task

from catalog.services import tuf, verification
from catalog.storage import TransientStorageError


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=6)
def verify_artifact(self, artifact_id):
    """Stream an artifact from storage and check its SHA-256 and size (idempotent).

    Late acknowledgement means a worker killed mid-task leaves the message
    unacknowledged, so the broker delivers it again (and the sweep, driven by the
    heartbeat verification writes, re-queues it sooner); storage hiccups are retried
    with exponential backoff; a mismatch is final and never retried.
    """
    try:
        verification.verify(artifact_id)
    except TransientStorageError as error:
        if self.request.retries >= self.max_retries:
            verification.give_up(artifact_id, error)
            return
        raise self.retry(exc=error, countdown=min(2 ** self.request.retries * 5, 600))


@shared_task
def requeue_stuck_artifacts():
    return verification.requeue_stuck()


@shared_task(acks_late=True)
def publish_tuf_repository(product_id):
    """Sign what the product's TUF repository needs after a change to its releases (idempotent)."""
    tuf.publish(product_id)


@shared_task
def refresh_tuf_repositories():
    """Beat: sign every role about to expire, in each product's repository in turn."""
    for product_id in tuf.published_products():
        publish_tuf_repository.delay(product_id)
