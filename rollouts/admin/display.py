"""Badges and bars of the rollouts admin, in the colours rollouts.models gives each state."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from otaportal.admin_display import badge
from rollouts.models import ROLLOUT_STATE_COLOURS, STRATEGY_COLOURS, UPDATE_STATUS_COLOURS, UpdateStatus

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
