"""Device tokens: shown once, stored as a prefix and a SHA-256, checked in one indexed query."""

from django.db import connection, transaction
from django.utils import timezone

from catalog import secrets
from devices.models import LAST_SEEN_RESOLUTION_SECONDS, Device


def issue_token(device: Device) -> str:
    """Give the device a new token (the old one stops working at once) and return its plaintext."""
    issued = secrets.issue(Device.TOKEN_KIND)
    device.token_prefix, device.token_digest = issued.prefix, issued.digest
    device.token_rotated_at = timezone.now()
    if device.pk:
        device.save(update_fields=["token_prefix", "token_digest", "token_rotated_at", "updated_at"])
    return issued.plaintext


def authenticate(plaintext: str, queryset=None) -> Device | None:
    """The active device owning this token, with its product, or None.

    ``queryset`` (default: every device) lets an API annotate what it needs in the same query.
    """
    prefix = secrets.prefix_of(plaintext or "", Device.TOKEN_KIND)
    if prefix is None:
        return None
    devices = Device.objects.all() if queryset is None else queryset
    # The prefix is unique: no ORDER BY (``first()`` would sort by uid on every device request).
    matches = devices.select_related("product").filter(token_prefix=prefix, is_active=True).order_by()[:1]
    device = next(iter(matches), None)
    if device is None or not secrets.matches(plaintext, device.token_digest):
        return None
    return device


def mark_seen(device: Device, address: str | None) -> None:
    """Record the device's last contact, writing at most once a minute (and on a new address)."""
    now = timezone.now()
    fresh = device.last_seen_at and (now - device.last_seen_at).total_seconds() < LAST_SEEN_RESOLUTION_SECONDS
    if fresh and device.last_seen_address == address:
        return
    device.last_seen_at, device.last_seen_address = now, address
    own_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if own_transaction:
            _commit_without_waiting_for_disk()
        Device.objects.filter(pk=device.pk).update(last_seen_at=now, last_seen_address=address)


def _commit_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL only).

    A device polling every five minutes writes its last-seen on every poll, and
    waiting for the disk flush cost more than the rest of the request (see
    docs/benchmarks.md). Last-seen is advisory: a crash loses at most the last
    fraction of a second of such times, never other data, since the setting
    holds for this transaction alone (never set inside a caller's transaction).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
