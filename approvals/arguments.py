"""A step's arguments as JSON, to keep in the request and to hand to the transition once approved.

The transitions take FilterSpec and PhaseSpec objects, durations and plain values;
the request keeps them as JSON and reads them back the same.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.dateparse import parse_datetime

from rollouts.models import DeviceFilter
from rollouts.services.transitions import FilterSpec, PhaseSpec


class ArgumentsGone(Exception):
    """A filter named by the request no longer exists."""


def _encode_value(name, value):
    if name == "filters":
        return [{"filterId": str(spec.filter.pk),
                 "rolloutDate": spec.rollout_date.isoformat() if spec.rollout_date else None}
                for spec in value]
    if name == "phases":
        return [{"percentage": str(phase.percentage), "minSoakSeconds": phase.min_soak.total_seconds(),
                 "successThreshold": str(phase.success_threshold),
                 "failureThreshold": str(phase.failure_threshold)}
                for phase in value]
    if isinstance(value, timedelta):
        return {"seconds": value.total_seconds()}
    if isinstance(value, (datetime, Decimal)):  # a forced time, a growth factor: their fields read the text back
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return value


def encode(arguments: dict) -> dict:
    return {name: _encode_value(name, value) for name, value in arguments.items()}


def _decode_filters(schedules) -> list[FilterSpec]:
    ids = [schedule["filterId"] for schedule in schedules]
    known = {str(pk): device_filter for pk, device_filter in DeviceFilter.objects.in_bulk(ids).items()}
    specs = []
    for schedule in schedules:
        device_filter = known.get(schedule["filterId"])
        if device_filter is None:
            raise ArgumentsGone(f"the filter {schedule['filterId']} no longer exists")
        date = parse_datetime(schedule["rolloutDate"]) if schedule["rolloutDate"] else None
        specs.append(FilterSpec(device_filter, date))
    return specs


def decode(encoded: dict) -> dict:
    decoded = {}
    for name, value in encoded.items():
        if name == "filters":
            decoded[name] = _decode_filters(value)
        elif name == "phases":
            decoded[name] = [PhaseSpec(Decimal(phase["percentage"]),
                                       timedelta(seconds=phase["minSoakSeconds"]),
                                       Decimal(phase["successThreshold"]), Decimal(phase["failureThreshold"]))
                             for phase in value]
        elif isinstance(value, dict) and set(value) == {"seconds"}:
            decoded[name] = timedelta(seconds=value["seconds"])
        else:
            decoded[name] = value
    return decoded
