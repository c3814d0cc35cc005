"""Last-seen and last-used times, buffered in the edge store and written to PostgreSQL in batches.

A fleet polling every five minutes would otherwise make every poll (or one poll a
minute per device) a database write. Each use is noted in the edge store
(otaportal.edge: one hash per model, the newest use per row), and Celery beat's
``write_last_uses`` writes them every OTA_LAST_USE_FLUSH_SECONDS, a batch per query:
the database sees a few writes a second whatever the fleet size, and the admin and
the APIs read times at most one flush interval late (docs/operations.md).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.db import transaction

from otaportal.edge import DEVICES_LABEL, store

BATCH = 1000


@dataclass(frozen=True)
class Tracked:
    time_field: str
    address_field: str | None = None


# Every model whose last use is buffered, by label: the one place that names them.
TRACKED = {
    DEVICES_LABEL: Tracked("last_seen_at", "last_seen_address"),
    "devices.gatewaytoken": Tracked("last_used_at"),
    "catalog.apitoken": Tracked("last_used_at"),
    "catalog.accesskey": Tracked("last_used_at"),
}


def use_value(when: float, address: str | None = None) -> str:
    """How a use is buffered: the epoch seconds and the client address, if any."""
    return f"{when:.3f}|{address or ''}"


def note(instance, when: float, address: str | None = None) -> None:
    """Buffer the use of a tracked row (a token or a device) at ``when`` (epoch seconds)."""
    store().note_use(instance._meta.label_lower, instance.pk, use_value(when, address))


def write_buffered(batch: int = BATCH) -> int:
    """Write every buffered use to the database, ``batch`` rows a query; returns how many rows were written."""
    written = 0
    for label, tracked in TRACKED.items():
        model = apps.get_model(label)
        while uses := store().take_uses(label, batch):
            written += _write(model, tracked, uses)
    return written


def _write(model, tracked: Tracked, uses: dict[str, str]) -> int:
    rows = []
    for pk, value in uses.items():
        seconds, _, address = value.partition("|")
        row = model(pk=model._meta.pk.to_python(pk))
        setattr(row, tracked.time_field, datetime.fromtimestamp(float(seconds), UTC))
        if tracked.address_field:
            setattr(row, tracked.address_field, address or None)
        rows.append(row)
    fields = [tracked.time_field] + ([tracked.address_field] if tracked.address_field else [])
    with transaction.atomic():
        # A row deleted since its use is simply not updated.
        return model.objects.bulk_update(rows, fields)
