"""Progress timeouts: an update stuck downloading or installing for longer than its rollout allows times out.

A rollout may set ``download_timeout`` (how long an update may stay
``downloading`` or ``downloaded``) and ``install_timeout`` (``installing``);
each status has its own clock, ``DeviceUpdate.status_changed_at``. The periodic
task (rollouts.tasks.time_out_stalled_updates) marks the updates past it
``timed_out`` with the reason, in batches, and judges each phase they belong to
against its failure threshold exactly as a reported failure is judged
(rollouts.services.feedback.judge_failures): a version that hangs devices pauses
its rollout like one that fails.

The cost does not grow with the fleet: per rollout with a timeout, one probe of
the index on (release, status, status_changed_at) reads only the updates past
their timeout. ``installed`` never times out: it is an outcome already, and the
end of a hawkBit DDI action.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from devices.models import DeviceEvent
from rollouts.models import (
    DOWNLOAD_STATUSES,
    INSTALL_STATUSES,
    DeviceUpdate,
    EventKind,
    LogChannel,
    Rollout,
    RolloutEvent,
    RolloutState,
    UpdateStatus,
)
from rollouts.services import update_log
from rollouts.services.feedback import judge_failures
from rollouts.services.update_log import Report

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass(frozen=True)
class Clock:
    """One of a rollout's progress timeouts: the statuses it watches and how long they may last."""

    name: str
    statuses: frozenset
    limit: timedelta


def clocks_of(rollout: Rollout) -> list[Clock]:
    clocks = [Clock("download", DOWNLOAD_STATUSES, rollout.download_timeout),
              Clock("install", INSTALL_STATUSES, rollout.install_timeout)]
    return [clock for clock in clocks if clock.limit is not None]


def time_out_stalled_updates(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Time out every update past its rollout's progress timeout; how many timed out."""
    now = now or timezone.now()
    with_timeouts = (Rollout.objects.filter(Q(download_timeout__isnull=False) | Q(install_timeout__isnull=False))
                     .exclude(state=RolloutState.DRAFT).order_by("pk"))
    total = 0
    for rollout in with_timeouts.iterator():
        for clock in clocks_of(rollout):
            total += time_out_rollout_updates(rollout, clock, now, batch_size)
    return total


def time_out_rollout_updates(rollout: Rollout, clock: Clock, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Time out the rollout's updates past one clock, a batch per transaction; how many timed out."""
    stalled = DeviceUpdate.objects.filter(release_id=rollout.release_id, status__in=clock.statuses,
                                          status_changed_at__lt=now - clock.limit)
    timed_out = 0
    while True:
        with transaction.atomic():
            # Rows a device is reporting on right now are skipped: judged again on the next run.
            batch = list(stalled.select_for_update(skip_locked=True, of=("self",)).select_related("release__module")
                         .order_by("status_changed_at", "pk")[:batch_size])
            if not batch:
                break
            _time_out(batch, clock, now)
        timed_out += len(batch)
        for phase_update in {update.phase: update for update in batch}.values():
            judge_failures(phase_update)  # after commit: it locks the rollout (see judge_failures)
    if timed_out:
        message = (f"{timed_out} device update{'s' if timed_out != 1 else ''} timed out: "
                   f"no progress within the {clock.name} timeout of {clock.limit}")
        logger.info("rollout %s: %s", rollout.pk, message)
        RolloutEvent.objects.create(rollout=rollout, kind=EventKind.UPDATES_TIMED_OUT, message=message)
    return timed_out


def _time_out(batch: list[DeviceUpdate], clock: Clock, now: datetime) -> None:
    logged, events = [], []
    for update in batch:
        stalled_in = update.status
        update.status, update.finished_at, update.status_changed_at = UpdateStatus.TIMED_OUT, now, now
        update.reason = f"no progress for {clock.limit} while {stalled_in} (the rollout's {clock.name} timeout)"
        # One save per row, not a bulk update: post_save tells the webhook summaries and the poll caches.
        update.save(update_fields=["status", "reason", "finished_at", "status_changed_at", "updated_at"])
        release = update.release
        events.append(DeviceEvent(
            device_id=update.device_id, kind=DeviceEvent.Kind.UPDATE_STATUS,
            message=f"{release.module.name} {release.version}: {UpdateStatus.TIMED_OUT} ({update.reason})",
            data={"updateId": update.pk, "status": UpdateStatus.TIMED_OUT, "attempt": update.attempt},
        ))
        logged.append((update, UpdateStatus.TIMED_OUT, Report(LogChannel.PORTAL, "timed out", (update.reason,))))
    DeviceEvent.objects.bulk_create(events)
    update_log.append_many(logged)
