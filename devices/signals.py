"""A saved or deleted device makes its remembered answers stale, and its token's session when who it is changed."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from devices.models import Device
from devices.stamps import forget_devices, forget_tokens

# Fields that decide whether a token is an active device's, and which: a change must re-check the token.
IDENTITY_FIELDS = frozenset({"uid", "product", "product_id", "is_active", "token_prefix", "token_digest"})


@receiver(post_save, sender=Device, dispatch_uid="devices.forget_saved_device")
def device_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    forget_devices(instance.pk)
    if update_fields is None or IDENTITY_FIELDS & set(update_fields):
        forget_tokens(instance.token_prefix)


@receiver(post_delete, sender=Device, dispatch_uid="devices.forget_deleted_device")
def device_deleted(sender, instance, **kwargs):
    forget_devices(instance.pk)
    forget_tokens(instance.token_prefix)
