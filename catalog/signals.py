"""The catalog's tasks, enqueued once the transaction that asked for them commits.

A verification asked for (``verification_requested``: an upload, "verify again", the sweep)
enqueues ``verify_artifact``. The services send the signal rather than enqueue, because tasks
import services and never the reverse.

A product's TUF repository is published again after any change to what its targets list:
a release saved or deleted, or its artifact saved (verified, replaced) or deleted, enqueues
``publish_tuf_repository``; the task signs nothing when the targets did not change, or when
the product has no repository.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Artifact, Release
from catalog.services.verification import verification_requested
from catalog.tasks import publish_tuf_repository, verify_artifact


@receiver(verification_requested, dispatch_uid="catalog.queue_verification")
def enqueue_verification(sender, artifact, **kwargs):
    verify_artifact.delay_on_commit(artifact.pk)


@receiver([post_save, post_delete], sender=Release, dispatch_uid="catalog.tuf_release_changed")
def release_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        publish_tuf_repository.delay_on_commit(instance.product_id)


@receiver([post_save, post_delete], sender=Artifact, dispatch_uid="catalog.tuf_artifact_changed")
def artifact_changed(sender, instance, raw=False, **kwargs):
    if raw or not instance.release_id:
        return
    product_id = Release.objects.filter(pk=instance.release_id).values_list("product_id", flat=True).first()
    if product_id is not None:  # None: the release goes too, and its own signal publishes
        publish_tuf_repository.delay_on_commit(product_id)
