"""Celery beat's scheduler, recording each wake-up so that a dead beat shows in the health check."""

import logging

from celery.beat import PersistentScheduler

from otaportal.health import record_beat_tick

logger = logging.getLogger(__name__)


class TickRecordingScheduler(PersistentScheduler):
    """Beat wakes at least every CELERY_BEAT_MAX_LOOP_INTERVAL; a tick older than that means it is gone."""

    def tick(self, *args, **kwargs):
        try:
            record_beat_tick()
        except Exception:  # the cache being down must not stop the schedule; health reports both
            logger.exception("could not record beat's tick")
        return super().tick(*args, **kwargs)
