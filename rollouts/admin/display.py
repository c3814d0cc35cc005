"""Badges and bars of the rollouts admin, in the colours rollouts.models gives each state."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from otaportal.admin_display import badge
from rollouts.colours import ROLLOUT_STATE_COLOURS, STRATEGY_COLOURS, UPDATE_STATUS_COLOURS
from rollouts.models import UpdateStatus
from rollouts.services import dashboard

from . import charts

PASSED_COLOURS = {"passed": "#198754", "failed": "#dc3545"}


def strategy_badge(strategy: str):
    return badge(strategy, STRATEGY_COLOURS[strategy])


def state_badge(state: str):
    return badge(state, ROLLOUT_STATE_COLOURS[state])


def update_status_badge(status: str):
    return badge(status, UPDATE_STATUS_COLOURS[status])


def rule_badge(passed: bool):
    verdict = "passed" if passed else "failed"
    return badge(verdict, PASSED_COLOURS[verdict])


def status_bars(by_status: dict) -> list[dict]:
    """One row per update status: its count, its share of all updates (percent) and its colour."""
    total = sum(by_status.values())
    return [
        {"status": status.value, "label": status.label, "count": by_status.get(status.value, 0),
         "share": 100 * by_status.get(status.value, 0) / total if total else 0,
         "colour": UPDATE_STATUS_COLOURS[status]}
        for status in UpdateStatus
    ]


def stacked_bar(by_status: dict):
    """One bar split by status, each segment as wide as its share of the updates."""
    segments = [row for row in status_bars(by_status) if row["count"]]
    if not segments:
        return mark_safe('<div class="ota-bar ota-bar-empty" title="no updates yet"></div>')
    return format_html('<div class="ota-bar">{}</div>', format_html_join(
        "", '<span style="width: {}%; background-color: {}" title="{}: {}"></span>',
        ((f"{row['share']:.2f}", row["colour"], row["label"], row["count"]) for row in segments),
    ))


def phase_text(rollout) -> str:
    """``2 of 4 (10 %)``: the phase in force counted from 1, of how many (needs ``dashboard.with_progress``)."""
    number = dashboard.phase_number(rollout)
    if number is None:
        return "no phases (100 %)"
    return f"{number} of {rollout.phase_total} ({rollout.phase_percentage.normalize():f} %)"


def rate_text(rate: dashboard.Rate, what: str):
    """``97.5 %`` with ``39 of 40 <what>`` as its tooltip; ``-`` before there is anything to divide."""
    if rate.percent is None:
        return format_html('<span title="no {} yet">-</span>', what)
    return format_html('<span title="{} of {} {}">{} %</span>', rate.part, rate.whole, what,
                       f"{rate.percent:.1f}".removesuffix(".0"))


def outcome_bar(rollout):
    """The rollout's offered updates as one bar: succeeded, failed or rolled back, and the rest."""
    succeeded, failed = rollout.updates_succeeded, rollout.updates_failed
    return charts.stacked_bar([
        charts.Segment("succeeded", succeeded, UPDATE_STATUS_COLOURS[UpdateStatus.COMMITTED]),
        charts.Segment("failed or rolled back", failed, UPDATE_STATUS_COLOURS[UpdateStatus.FAILED]),
        charts.Segment("in progress or closed otherwise", rollout.updates_total - succeeded - failed,
                       UPDATE_STATUS_COLOURS[UpdateStatus.OFFERED]),
    ], label=f"updates of {rollout.release}", width=200, height=12)
