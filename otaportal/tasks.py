from celery import shared_task

from otaportal import last_use


@shared_task(ignore_result=True)
def write_last_uses() -> int:
    """Write the buffered last-seen and last-used times (otaportal.last_use), beat's every few seconds."""
    return last_use.write_buffered()
