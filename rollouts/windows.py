"""Maintenance windows: when devices may install (docs/rollouts.md, "Maintenance windows").

A window opens at each moment its cron expression names, in its time zone, and
stays open for its duration. croniter reads the expression.
"""

import heapq
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, croniter
from django.core.exceptions import ValidationError

from otaportal.process_caches import WINDOW_STATES

# Five fields: minute hour day-of-month month day-of-week; croniter's seconds and years are refused.
CRON_FIELDS = 5
MAX_SCHEDULE_LENGTH = 100


# How far a window is looked for ahead: a schedule such as "0 0 29 2 *" opens once in four years.
HORIZON = timedelta(days=5 * 366)


def validate_schedule(schedule: str) -> None:
    """A five-field cron expression, as crontab(5) writes it, that opens within HORIZON.

    croniter accepts dates that never come ("0 0 31 2 *", "0 0 30 4,6,9,11 *"): a window
    of such a schedule would keep devices from installing for good, so it is refused.
    """
    fields = schedule.split()
    if len(fields) != CRON_FIELDS or not croniter.is_valid(schedule):
        raise ValidationError(f"{schedule!r} is not a cron expression of five fields (minute hour day-of-month "
                              f"month day-of-week), e.g. '0 2 * * *' for every day at 02:00.")
    now = datetime.now(UTC)
    try:
        first = croniter(schedule, now).get_next(datetime)
    except CroniterBadDateError:
        first = None
    if first is None or first - now >= HORIZON:
        raise ValidationError(f"{schedule!r} names no moment in the next {HORIZON.days // 366} years (such as "
                              f"February 30th): a window of it would never open.")


def validate_time_zone(name: str) -> None:
    """An IANA time zone name, e.g. Europe/Berlin or UTC."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not an IANA time zone name such as Europe/Berlin or UTC.") from None


# --- when windows are open -------------------------------------------------------------------

@dataclass(frozen=True)
class Opening:
    """One open stretch of time, windows that overlap or touch merged: open from ``start`` until ``end``."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class WindowState:
    """Whether devices may install at a moment, and until when that holds."""

    open: bool
    opening: Opening | None  # the current stretch when open, else the next one; None: no window ever opens again

    @property
    def changes_at(self) -> datetime | None:
        """The next moment the answer changes: the current stretch closes, or the next one opens."""
        if self.opening is None:
            return None
        return self.opening.end if self.open else self.opening.start


# At most this many openings are merged into one stretch ("* * * * *" for an hour never closes):
# the stretch is then reported to close at the last one's end, and looked at again from there.
# It bounds what one look costs (croniter takes ~0.1 ms an opening); "* * * * *" for a minute is
# then looked at again every eight hours.
MAX_MERGED = 500
# A product, or a rollout, has at most this many windows: each look reads every one of them.
MAX_WINDOWS = 10


def state(windows: tuple, now: datetime) -> WindowState | None:
    """The windows' state at ``now`` (an aware datetime); None for no windows: installs any time.

    Each window opens at every moment its cron expression names in its own time zone
    (croniter reads it in that zone) and stays open for its duration, counted as elapsed
    time. So across a change of the clocks:

    - a start the clocks skip ("30 2 * * *" on the spring-forward night, when 02:30 does
      not exist in Europe/Berlin) opens when the gap ends, at 03:00;
    - a start the clocks repeat ("30 2 * * *" on the fall-back night) opens at both
      02:30s; the two openings overlap or follow each other and are merged;
    - "0 1 * * *" for three hours on the fall-back night is open from 01:00 (summer
      time) until 03:00 (winter time): three hours elapsed, four on the wall clock.

    Windows that overlap or touch are one stretch. The answer is kept in this process
    until it changes (``changes_at``), so a check-in pays for croniter only at a window's
    edges.
    """
    if not windows:
        return None
    kept = WINDOW_STATES.get(windows)
    if kept is not None:
        since, known = kept
        if since <= now and (known.changes_at is None or now < known.changes_at):
            return known
    known = _compute(windows, now)
    WINDOW_STATES.put(windows, (now, known))
    return known


def is_open(windows: tuple, now: datetime) -> bool:
    """May devices install at ``now``: inside a window, or no windows at all."""
    found = state(windows, now)
    return found is None or found.open


def following(windows: tuple, opening: Opening) -> Opening | None:
    """The stretch after ``opening`` (one of ``state``'s), if any. Not kept: kept at that later moment, it would
    push out the state kept for now, which each check-in asks for."""
    return _compute(windows, opening.end).opening


def next_change(windows: tuple, now: datetime) -> datetime | None:
    """The next moment a window opens or closes, if ever: how long an answer given now holds."""
    found = state(windows, now)
    return None if found is None else found.changes_at


def _compute(windows: tuple, now: datetime) -> WindowState:
    now = now.astimezone(UTC)  # elapsed-time arithmetic: an aware datetime in a zone adds wall-clock time
    # Every opening of a window that may still be open at ``now`` starts after now minus its own duration:
    # read from there, a short window opening every minute beside a week-long one is not read for a week back.
    until = now + HORIZON
    merged, count = None, 0
    for start, end in heapq.merge(*(_openings(window, now - window.duration, until) for window in windows)):
        if merged is not None and (start > merged.end or count >= MAX_MERGED):
            if merged.end > now:
                break
            merged = None
        if merged is None:
            merged, count = Opening(start, end), 1
        else:
            merged, count = Opening(merged.start, max(end, merged.end)), count + 1
    if merged is None or merged.end <= now:
        return WindowState(False, None)
    return WindowState(merged.start <= now, merged)


def _openings(window, since: datetime, until: datetime):
    """(start, end) of each opening of the window that starts after ``since`` and before ``until``, in order."""
    zone = ZoneInfo(window.time_zone)
    starts = croniter(window.schedule, since.astimezone(zone))
    while True:
        try:
            start = starts.get_next(datetime)
        except CroniterBadDateError:  # a date that never comes, such as "0 0 31 2 *"
            return
        if start >= until:
            return
        start = start.astimezone(UTC)
        yield start, start + window.duration


def describe(windows: tuple, now: datetime) -> str:
    """The windows' state at ``now`` in words, its moments read in the first window's time zone (explain)."""
    found = state(windows, now)
    if found is None:
        return "no maintenance window: installs any time"
    zone = ZoneInfo(windows[0].time_zone)
    named = "; ".join(f"'{window.schedule}' for {window.duration}, {window.time_zone}" for window in windows)
    if found.opening is None:
        return f"outside every maintenance window ({named}), and none opens again: may download, not install"

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).isoformat(timespec="minutes")

    if found.open:
        return f"inside a maintenance window ({named}) until {local(found.opening.end)}"
    return (f"outside every maintenance window ({named}): may download now, install from "
            f"{local(found.opening.start)} until {local(found.opening.end)}")
