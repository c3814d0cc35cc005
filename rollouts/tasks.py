from celery import shared_task

from rollouts.services import transitions


@shared_task(ignore_result=True)
def advance_due_phases() -> int:
    """Advance every running rollout whose phase has soaked long enough and met its success threshold."""
    return transitions.advance_due_phases()
