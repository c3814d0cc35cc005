"""The action log of a device update: every report the device sent about it, with its messages, as hawkBit keeps.

Each report becomes one UpdateLogEntry: what the device reported (``installing``;
DDI's ``proceeding/none``), the update's status once the report was applied, and
its messages (DDI ``details`` lines and status code, the check-in ``reason``).

Limits, so that a chatty or hostile agent cannot grow the table without bound:

- A message longer than MAX_MESSAGE_LENGTH characters is kept in pieces of that
  length, never refused: SWUpdate sends its install log as ``details`` and one
  of its lines is over 1,024 characters.
- An update's log keeps its latest MAX_LOG_LINES lines. An entry's lines are its
  messages, or one (what was reported) when it has none. Older lines are trimmed
  as new ones arrive; the log says how many (``UpdateLog.trimmed``), because each
  entry's ``position`` counts every line written before it.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max

from rollouts.models import DeviceUpdate, LogChannel, UpdateLogEntry

MAX_MESSAGE_LENGTH = 1024
MAX_LOG_LINES = 1000


@dataclass(frozen=True)
class Report:
    """What a device said about its update, as the log keeps it."""

    channel: str  # a LogChannel
    reported: str
    messages: tuple = ()


@dataclass(frozen=True)
class UpdateLog:
    entries: list  # of UpdateLogEntry, oldest first
    trimmed: int  # lines dropped from the front to keep the log within MAX_LOG_LINES

    @property
    def trimmed_note(self) -> str:
        return trimmed_note(self.trimmed) if self.trimmed else ""


def trimmed_note(trimmed: int) -> str:
    return (f"{trimmed} earlier line{'s' if trimmed != 1 else ''} of this log were trimmed "
            f"(an update keeps its latest {MAX_LOG_LINES})")


def pieces(messages) -> list[str]:
    """The messages, each longer than MAX_MESSAGE_LENGTH split into pieces of that length, in order."""
    split = []
    for message in messages:
        split.extend(message[start:start + MAX_MESSAGE_LENGTH]
                     for start in range(0, max(len(message), 1), MAX_MESSAGE_LENGTH))
    return split


def _lines(messages) -> int:
    return max(len(messages), 1)


def append(update: DeviceUpdate, status: str, report: Report) -> UpdateLogEntry:
    """Keep one report in the update's log (its status once applied), trimming the oldest lines past the limit."""
    return append_many([(update, status, report)])[0]


def append_many(reports) -> list[UpdateLogEntry]:
    """``append`` for many updates at once, each given as ``(update, status, report)``, in a few queries.

    Positions are counted under the updates' row locks, taken here (a caller that
    holds them already loses nothing).
    """
    update_ids = [update.pk for update, _, _ in reports]
    with transaction.atomic():
        list(DeviceUpdate.objects.select_for_update().filter(pk__in=update_ids).order_by("pk").values_list("pk"))
        ends = dict(UpdateLogEntry.objects.filter(update_id__in=update_ids).order_by().values("update_id")
                    .annotate(end=Max(F("position") + F("line_count"))).values_list("update_id", "end"))
        entries = []
        for update, status, report in reports:
            messages = pieces(report.messages)
            dropped = max(len(messages) - MAX_LOG_LINES, 0)  # a report longer than the log keeps its newest lines
            messages = messages[dropped:]
            position = ends.get(update.pk, 0) + dropped
            ends[update.pk] = position + _lines(messages)
            entries.append(UpdateLogEntry(
                update_id=update.pk, position=position, line_count=_lines(messages), channel=report.channel,
                reported=report.reported[:128], status=status, messages=messages,
            ))
        UpdateLogEntry.objects.bulk_create(entries)
        for update_id, end in ends.items():
            _trim(update_id, keep_from=end - MAX_LOG_LINES)
    return entries


def _trim(update_id, keep_from: int) -> None:
    """Drop the lines before position ``keep_from``: whole entries, and the front of one that straddles it."""
    if keep_from <= 0:
        return
    old = UpdateLogEntry.objects.filter(update_id=update_id, position__lt=keep_from)
    old.filter(position__lte=keep_from - F("line_count")).delete()
    straddling = old.first()
    if straddling is not None:
        cut = keep_from - straddling.position
        straddling.messages = straddling.messages[cut:]
        straddling.position, straddling.line_count = keep_from, straddling.line_count - cut
        straddling.save(update_fields=["messages", "position", "line_count"])


def log_of(update: DeviceUpdate) -> UpdateLog:
    entries = list(UpdateLogEntry.objects.filter(update=update).order_by("position"))
    return UpdateLog(entries, entries[0].position if entries else 0)


def latest_messages(update: DeviceUpdate, count: int) -> list[str]:
    """The device's latest ``count`` messages about the update, newest first (hawkBit's action history).

    The portal's own entries are left out, as hawkBit leaves out its server
    messages; when the history reaches back past trimmed lines, a note says so.
    """
    entries = list(UpdateLogEntry.objects.filter(update=update).exclude(channel=LogChannel.PORTAL)
                   .exclude(messages=[]).order_by("-position").values_list("position", "messages")[:count])
    messages = [message for _, entry_messages in entries for message in reversed(entry_messages)][:count]
    if len(messages) < count:
        trimmed = trimmed_lines(update)
        if trimmed:
            messages.append(trimmed_note(trimmed))
    return messages


def trimmed_lines(update: DeviceUpdate) -> int:
    """How many lines of the update's log were trimmed: the oldest kept entry's position."""
    oldest = UpdateLogEntry.objects.filter(update=update).order_by("position").values_list("position").first()
    return oldest[0] if oldest else 0
