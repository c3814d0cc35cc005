"""Device filters: create, change and delete them safely, and count the devices they match."""

import json
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction

from devices.models import Device
from rollouts import conditions
from rollouts.models import DeviceFilter

logger = logging.getLogger(__name__)


class FilterInUse(Exception):
    """The filter is part of a rollout policy and cannot be deleted (APIs answer 409)."""

    def __init__(self, device_filter: DeviceFilter, releases):
        names = ", ".join(sorted(str(release) for release in releases))
        super().__init__(f"Filter {device_filter.name} is used by the rollout of {names}.")
        self.releases = releases


def _clean(name, description, raw_conditions):
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Give the filter a name."
    elif len(name) > 128:
        errors["name"] = "At most 128 characters."
    try:
        cleaned = conditions.validate(raw_conditions)
    except ValidationError as error:
        errors.update(error.message_dict)
        cleaned = None
    if errors:
        raise ValidationError(errors)
    return name, (description or "").strip(), cleaned


def save_filter(device_filter: DeviceFilter | None, *, name, conditions, description="") -> DeviceFilter:
    """Create (``device_filter`` None) or replace a filter after validating its conditions."""
    name, description, cleaned = _clean(name, description, conditions)
    device_filter = device_filter or DeviceFilter()
    device_filter.name, device_filter.description, device_filter.conditions = name, description, cleaned
    try:
        with transaction.atomic():
            device_filter.save()
    except IntegrityError:
        raise ValidationError({"name": f"A filter named {name!r} exists already."}) from None
    return device_filter


def delete_filter(device_filter: DeviceFilter) -> None:
    """Delete a filter no rollout uses; raises FilterInUse otherwise."""
    with transaction.atomic():
        users = list(device_filter.rollout_filters.select_related("rollout__release__module__product"))
        if users:
            raise FilterInUse(device_filter, [link.rollout.release for link in users])
        device_filter.delete()


def matching(raw_conditions, devices=None):
    """The Device queryset a filter's conditions select (conditions already validated).

    The SQL form needs PostgreSQL's JSON operators. On the embedded SQLite
    default (small demo fleets) the devices are matched in Python instead.
    """
    devices = Device.objects.all() if devices is None else devices
    if connection.vendor != "postgresql":
        return matching_in_python(raw_conditions, devices)
    return devices.filter(conditions.to_q(raw_conditions, conditions.distinct_values_in(devices)))


def matching_in_python(raw_conditions, devices):
    chosen = [device.pk for device in devices.select_related("product").iterator()
              if conditions.matches(raw_conditions, conditions.DeviceFacts.of(device))]
    return devices.filter(pk__in=chosen)


@dataclass(frozen=True)
class Preview:
    count: int
    exact: bool  # False: PostgreSQL's planner estimate, the exact count took too long

    def as_dict(self):
        return {"count": self.count, "exact": self.exact, "method": "count" if self.exact else "estimate"}


@contextmanager
def _time_limited():
    """A savepoint whose statements PostgreSQL cancels after ``OTA_PREVIEW_EXACT_TIMEOUT_MS``.

    The limit is a transaction-local setting: it is put back on the way out (a
    failure rolls it back with the savepoint), so a caller's transaction keeps its own.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', %s, true)",
                           [str(int(settings.OTA_PREVIEW_EXACT_TIMEOUT_MS))])
            previous = cursor.fetchone()[0]
        yield
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])


def _planner_rows(queryset) -> int:
    plan = json.loads(queryset.explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def preview(raw_conditions, devices=None) -> Preview:
    """How many devices the conditions match, exact or estimated (the answer says which).

    The exact count gets ``OTA_PREVIEW_EXACT_TIMEOUT_MS`` per statement: fast when
    indexes narrow the rows (containment on the GIN indexes of attributes,
    installed versions and tags). A filter that must read a million rows answers
    quickly with PostgreSQL's planner estimate instead, and says so.
    """
    devices = Device.objects.all() if devices is None else devices
    if connection.vendor != "postgresql":
        return Preview(matching(raw_conditions, devices).count(), True)
    try:
        with _time_limited():
            return Preview(matching(raw_conditions, devices).count(), True)
    except DatabaseError as error:
        logger.info("exact preview gave up: %s", error)
    try:
        with _time_limited():
            queryset = matching(raw_conditions, devices)
    except DatabaseError:
        # Listing the fleet's distinct versions for a version comparison is what
        # took too long: estimate what the other conditions leave.
        queryset = matching([c for c in raw_conditions if not c["op"].startswith("version_")], devices)
    return Preview(_planner_rows(queryset), False)
