"""The catalog's Celery tasks: they call catalog.services, which never import them.

Late acknowledgement (a task whose worker dies is delivered again) is set once for every task, in the
settings (CELERY_TASK_ACKS_LATE, CELERY_TASK_REJECT_ON_WORKER_LOST).
"""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from catalog.services import tuf, tuf_pruning, verification
from catalog.storage import TransientStorageError


class VerificationTask(DjangoTask):
    """Records a storage error as the artifact's failure once its retries are exhausted.

    Without it the artifact would stay "verifying" until the sweep queued it again, for ever.
    """

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if isinstance(exc, TransientStorageError):
            artifact_id, = args
            verification.give_up(artifact_id, exc)


# Storage hiccups are retried after 5, 10, 20, 40, 80 and 160 s (docs/operations.md); a mismatch is an
# outcome, not an error, and is never retried.
@shared_task(base=VerificationTask, autoretry_for=(TransientStorageError,), max_retries=6,
             retry_backoff=5, retry_backoff_max=600, retry_jitter=False)
def verify_artifact(artifact_id):
    """Stream an artifact from storage and check its SHA-256 and size (idempotent).

    A worker killed mid-task leaves the message unacknowledged, so the broker delivers it again
    (and the sweep, driven by the heartbeat verification writes, re-queues it sooner).
    """
    verification.verify(artifact_id)


@shared_task
def requeue_stuck_artifacts():
    return verification.requeue_stuck()


@shared_task
def publish_tuf_repository(product_id):
    """Sign what the product's TUF repository needs after a change to its releases (idempotent)."""
    tuf.publish(product_id)


@shared_task
def refresh_tuf_repositories():
    """Beat: sign every role about to expire, in each product's repository in turn; prune superseded files."""
    for product_id in tuf.published_products():
        publish_tuf_repository.delay(product_id)
    tuf_pruning.prune()
