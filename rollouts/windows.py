"""Maintenance windows: when devices may install (docs/rollouts.md, "Maintenance windows").

A window opens at each moment its cron expression names, in its time zone, and
stays open for its duration. croniter reads the expression.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from django.core.exceptions import ValidationError

# Five fields: minute hour day-of-month month day-of-week; croniter's seconds and years are refused.
CRON_FIELDS = 5
MAX_SCHEDULE_LENGTH = 100


def validate_schedule(schedule: str) -> None:
    """A five-field cron expression, as crontab(5) writes it."""
    fields = schedule.split()
    if len(fields) != CRON_FIELDS or not croniter.is_valid(schedule):
        raise ValidationError(f"{schedule!r} is not a cron expression of five fields (minute hour day-of-month "
                              f"month day-of-week), e.g. '0 2 * * *' for every day at 02:00.")


def validate_time_zone(name: str) -> None:
    """An IANA time zone name, e.g. Europe/Berlin or UTC."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not an IANA time zone name such as Europe/Berlin or UTC.") from None
