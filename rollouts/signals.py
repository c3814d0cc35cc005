"""Every release gets a rollout policy; any change to what the decision reads drops the cached policy,
and any change to a device's updates makes its remembered answers stale (devices.session).

catalog must not import rollouts, so the rollout row of a new release is made
here, on the release's post_save, and a deprecated release's open offers are
withdrawn here too.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalog.choices import ReleaseStatus
from catalog.models import Artifact, Product, Release
from devices.stamps import forget_devices
from rollouts import policy
from rollouts.models import DeviceFilter, DeviceUpdate, MaintenanceWindow, Rollout, RolloutFilter, RolloutPhase


@receiver(post_save, sender=Release, dispatch_uid="rollouts.create_rollout")
def create_rollout(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        Rollout.objects.get_or_create(release=instance)


def _invalidate(*product_ids):
    """Drop the cached policy now and again once the change commits.

    The commit-time drop is the one that matters: another process may rebuild
    from the old rows between the first drop and the commit. The immediate one
    lets this transaction (and tests, which never commit) see its own change.
    """
    policy.invalidate(*product_ids)
    transaction.on_commit(lambda: policy.invalidate(*product_ids))


def _invalidate_products_of(release_ids):
    _invalidate(*set(Release.objects.filter(pk__in=release_ids).values_list("product_id", flat=True)))


@receiver(post_save, sender=Release, dispatch_uid="rollouts.withdraw_deprecated")
def withdraw_deprecated(sender, instance, created, raw=False, **kwargs):
    if not created and not raw and instance.status == ReleaseStatus.DEPRECATED:
        from rollouts.services.transitions import release_deprecated

        release_deprecated(instance)


@receiver([post_save, post_delete], sender=Product, dispatch_uid="rollouts.invalidate_product")
def product_changed(sender, instance, raw=False, **kwargs):
    if not raw:  # its polling interval is in every DDI answer
        _invalidate(instance.pk)


@receiver([post_save, post_delete], sender=DeviceUpdate, dispatch_uid="rollouts.forget_device_update")
def device_update_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        forget_devices(instance.device_id)


@receiver([post_save, post_delete], sender=Release, dispatch_uid="rollouts.invalidate_release")
def release_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _invalidate(instance.product_id)


@receiver([post_save, post_delete], sender=Artifact, dispatch_uid="rollouts.invalidate_artifact")
@receiver([post_save, post_delete], sender=Rollout, dispatch_uid="rollouts.invalidate_rollout")
def release_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _invalidate_products_of([instance.release_id])


@receiver([post_save, post_delete], sender=RolloutFilter, dispatch_uid="rollouts.invalidate_rollout_filter")
@receiver([post_save, post_delete], sender=RolloutPhase, dispatch_uid="rollouts.invalidate_rollout_phase")
def rollout_part_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _invalidate_products_of(Rollout.objects.filter(pk=instance.rollout_id).values("release_id"))


@receiver([post_save, post_delete], sender=DeviceFilter, dispatch_uid="rollouts.invalidate_filter")
def filter_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _invalidate_products_of(RolloutFilter.objects.filter(filter_id=instance.pk).values("rollout__release_id"))


@receiver([post_save, post_delete], sender=MaintenanceWindow, dispatch_uid="rollouts.invalidate_window")
def window_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if instance.product_id is not None:
        _invalidate(instance.product_id)
    else:
        _invalidate_products_of(Rollout.objects.filter(pk=instance.rollout_id).values("release_id"))
