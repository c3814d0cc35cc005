"""A product's TUF repository is published again after any change to what its targets list.

A release saved or deleted, or its artifact saved (verified, replaced) or deleted,
enqueues ``publish_tuf_repository`` once the transaction commits; the task signs
nothing when the targets did not change, or when the product has no repository.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.models import Artifact, Release
from catalog.tasks import publish_tuf_repository


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
