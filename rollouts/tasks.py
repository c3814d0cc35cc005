from celery import shared_task

from rollouts.services import budget, timeouts, transitions


@shared_task(ignore_result=True)
def advance_due_phases() -> int:
    """Advance every running rollout whose phase has soaked long enough and met its success threshold."""
    return transitions.advance_due_phases()


@shared_task(ignore_result=True)
def time_out_stalled_updates() -> int:
    """Time out the updates stuck past their rollout's download or install timeout (rollouts.services.timeouts)."""
    return timeouts.time_out_stalled_updates()


@shared_task(ignore_result=True)
def recount_budget_successes() -> int:
    """Set the success count that grows each running rollout's rate budget from SQL (rollouts.services.budget)."""
    return budget.recount()
