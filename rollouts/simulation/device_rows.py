"""The fleet's devices and their update states, written in batches with COPY (or bulk_create)."""

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from catalog import secrets
from catalog.models import Product
from devices.models import Device
from rollouts.models import DONE_STATUSES, DeviceUpdate, Rollout, UpdateStatus
from rollouts.simulation.profiles import (
    MODULES,
    FleetError,
    FleetReport,
    FleetSpec,
    device_profile,
    device_token,
    device_uid,
    mix,
    token_prefix,
    weighted,
)

# Share of devices (per mille) that have been offered one of the running rollouts, and where they are.
OFFERED_PER_MILLE = 50
UPDATE_STATUS_WEIGHTS = (
    (UpdateStatus.OFFERED, 15), (UpdateStatus.DOWNLOADING, 10), (UpdateStatus.DOWNLOADED, 5),
    (UpdateStatus.INSTALLING, 5), (UpdateStatus.INSTALLED, 10), (UpdateStatus.COMMITTED, 45),
    (UpdateStatus.FAILED, 6), (UpdateStatus.ROLLED_BACK, 3), (UpdateStatus.REJECTED, 1),
)


def _device_rows(spec: FleetSpec, products: list[Product], start: int, stop: int, now: datetime) -> Iterator[dict]:
    for index in range(start, stop):
        profile = device_profile(spec, index)
        token = device_token(spec.name, index)
        yield {
            "uid": profile.uid, "product_id": products[profile.product].pk, "name": f"Simulated {profile.uid}",
            "attributes": profile.attributes, "tags": profile.tags, "agent_version": profile.agent_version,
            "installed_versions": profile.installed, "last_seen_at": now - timedelta(minutes=profile.last_seen_minutes),
            "last_seen_address": f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}", "is_active": True,
            "token_prefix": token_prefix(spec.name, index), "token_digest": secrets.digest_of(token),
            "token_rotated_at": now, "created_at": now, "updated_at": now,
        }


def _update_rows(spec: FleetSpec, ids_by_uid: dict, running_by_lane: dict, start: int, stop: int,
                 now: datetime) -> Iterator[dict]:
    for index in range(start, stop):
        roll = mix(index, 5)
        if roll % 1000 >= OFFERED_PER_MILLE:
            continue
        profile = device_profile(spec, index)
        module = MODULES[(roll >> 10) % len(MODULES)]
        candidates = running_by_lane.get((profile.product, module))
        if not candidates:
            continue
        rollout = candidates[(roll >> 12) % len(candidates)]
        status = weighted(UPDATE_STATUS_WEIGHTS, roll >> 20)
        offered = now - timedelta(minutes=(roll >> 40) % 2880)
        yield {
            "device_id": ids_by_uid[profile.uid], "release_id": rollout.release_id,
            "phase": (roll >> 30) % (rollout.current_phase + 1), "from_version": profile.installed[module],
            "status": status, "reason": "simulated failure" if status == UpdateStatus.FAILED else "",
            "attempt": 1, "offered_at": offered, "updated_at": offered + timedelta(minutes=5),
            "finished_at": offered + timedelta(minutes=20) if status in DONE_STATUSES else None,
        }


def _column_defaults(model, given: set) -> dict:
    """Values for the columns the generator does not set (fields other apps may add later)."""
    return {f.column: f.get_default() for f in model._meta.concrete_fields
            if not f.primary_key and f.column not in given}


def _copy_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _write_rows(model, rows: list[dict], use_copy: bool) -> int:
    """Insert rows (column → value) with COPY, or with bulk_create."""
    if not rows:
        return 0
    defaults = _column_defaults(model, set(rows[0]))
    if use_copy:
        columns = list(rows[0]) + list(defaults)
        sql = f'COPY {model._meta.db_table} ({", ".join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            extra = [_copy_value(value) for value in defaults.values()]
            for row in rows:
                copy.write_row([_copy_value(value) for value in row.values()] + extra)
    else:
        attnames = {f.column: f.attname for f in model._meta.concrete_fields}
        model.objects.bulk_create([model(**{attnames[c]: v for c, v in {**defaults, **row}.items()}) for row in rows],
                                  batch_size=500)
    return len(rows)


def _existing_device_count(spec: FleetSpec) -> int:
    """Devices are made in index order, so the highest uid tells how far an earlier run got."""
    last = Device.objects.filter(uid__startswith=f"{spec.name}-").order_by("-uid").values_list("uid", flat=True).first()
    return 0 if last is None else int(last.rsplit("-", 1)[1]) + 1


def add_devices(spec: FleetSpec, products, running: list[Rollout], report: FleetReport,
             progress: Callable[[int, int], None] | None) -> None:
    start = _existing_device_count(spec)
    stop = max(start, spec.devices)
    running_by_lane: dict = {}
    positions = {product.pk: position for position, product in enumerate(products)}
    for rollout in running:
        lane = (positions[rollout.release.product_id], rollout.release.module.name)
        running_by_lane.setdefault(lane, []).append(rollout)
    use_copy = connection.vendor == "postgresql" if spec.use_copy is None else spec.use_copy
    if use_copy and connection.vendor != "postgresql":
        raise FleetError("COPY needs PostgreSQL.")
    for batch_start in range(start, stop, spec.batch_size):
        batch_stop = min(stop, batch_start + spec.batch_size)
        now = timezone.now()
        with transaction.atomic():
            devices = list(_device_rows(spec, products, batch_start, batch_stop, now))
            report.devices_created += _write_rows(Device, devices, use_copy)
            ids_by_uid = dict(Device.objects.filter(
                uid__gte=device_uid(spec.name, batch_start), uid__lte=device_uid(spec.name, batch_stop - 1),
            ).values_list("uid", "id"))
            updates = list(_update_rows(spec, ids_by_uid, running_by_lane, batch_start, batch_stop, now))
            report.updates_created += _write_rows(DeviceUpdate, updates, use_copy)
        if progress:
            progress(batch_stop - batch_start, stop - start)
    report.devices_total = stop
