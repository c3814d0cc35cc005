"""The device's updates of active releases, read in the same query as its token.

A check-in used to cost two queries: the token lookup, then the device's
updates of the releases still in the running. Annotating those updates onto the
token lookup (a JSON array built by a correlated subquery) makes it one round
trip; the caller hands them to the decision explicitly (``current_updates``).
Only updates of active releases are carried: the decision never offers any other.

The subquery is plain SQL written once per process: built through the ORM on
every request it cost more to compile than the query costs to run.
"""

from datetime import UTC
from functools import cache

from django.db import connection, models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from catalog.choices import ReleaseStatus
from catalog.models import Release
from devices.models import Device
from rollouts.models import DeviceUpdate

ANNOTATION = "current_updates"
_FIELDS = list(DeviceUpdate._meta.concrete_fields)
_ATTNAMES = [field.attname for field in _FIELDS]
_RELEASE_ID = DeviceUpdate._meta.get_field("release").target_field


@cache
def _subquery_sql(vendor: str) -> str:
    pairs = ", ".join(f"'{field.attname}', u.{connection.ops.quote_name(field.column)}" for field in _FIELDS)
    if vendor == "postgresql":
        rows = f"COALESCE(JSONB_AGG(JSONB_BUILD_OBJECT({pairs})), '[]'::jsonb)"
    else:
        rows = f"JSON_GROUP_ARRAY(JSON_OBJECT({pairs}))"
    # The release status is one of our own constants, never input.
    return (f"(SELECT {rows} FROM {DeviceUpdate._meta.db_table} u "
            f"INNER JOIN {Release._meta.db_table} r ON r.id = u.release_id "
            f"WHERE u.device_id = {Device._meta.db_table}.id AND r.status = '{ReleaseStatus.ACTIVE}')")


def with_current_updates(devices):
    """``devices`` with ``current_updates``: their updates of active releases, as JSON rows."""
    sql = _subquery_sql(connection.vendor)
    return devices.annotate(**{ANNOTATION: RawSQL(sql, (), output_field=models.JSONField())})


@cache
def devices_with_current_updates():
    """Every device, with ``current_updates``: the check-in's token lookup, built once per process.

    A queryset is never changed by what is chained on it (each filter clones it),
    and building the annotation on every request cost about a tenth of a millisecond.
    """
    return with_current_updates(Device.objects.all())


def current_updates(device, release_ids=None) -> dict:
    """{release id: DeviceUpdate} from the annotation (only ``release_ids`` when given).

    The device must have been read with it (``with_current_updates``): one read without it
    fails here loudly rather than costing a query somewhere later.
    """
    rows = getattr(device, ANNOTATION)
    as_key = _RELEASE_ID.to_python  # SQLite keeps UUIDs as bare hex: compare them as UUIDs
    wanted = None if release_ids is None else {as_key(release_id) for release_id in release_ids}
    updates = {}
    for row in rows or []:
        release_id = as_key(row["release_id"])
        if wanted is not None and release_id not in wanted:
            continue
        values = [_value(field, row[field.attname]) for field in _FIELDS]
        updates[str(release_id)] = DeviceUpdate.from_db(DeviceUpdate.objects.db, _ATTNAMES, values)
    return updates


def _value(field, raw):
    value = field.to_python(raw)
    # SQLite's JSON_OBJECT writes a stored datetime (UTC) without its offset; PostgreSQL's JSONB keeps it.
    if isinstance(field, models.DateTimeField) and value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    return value
