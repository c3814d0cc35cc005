"""Charts drawn by the server as inline SVG: no script, no CDN, no build step.

Each chart scales to the width of its box (``viewBox`` with ``width: 100%``),
names every part in a ``<title>`` (a tooltip, and text for screen readers) and
makes a part a link where the admin has a list to show for it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

# Distinct colours for series that have no colour of their own (versions of a module).
PALETTE = ("#0d6efd", "#20c997", "#6f42c1", "#fd7e14", "#0dcaf0", "#d63384", "#198754", "#ffc107", "#6c757d")


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    colour: str
    url: str = ""


def _linked(shape, url: str):
    return format_html('<a href="{}">{}</a>', url, shape) if url else shape


def stacked_bar(segments: list[Segment], *, label: str, width: int = 600, height: int = 20) -> SafeString:
    """One horizontal bar split into segments as wide as their share of the total."""
    total = sum(segment.value for segment in segments)
    shapes, left = [], 0.0
    for segment in segments:
        if not segment.value:
            continue
        share = width * segment.value / total
        rect = format_html('<rect x="{}" y="0" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                           f"{left:.2f}", f"{share:.2f}", height, segment.colour, segment.label, segment.value)
        shapes.append(_linked(rect, segment.url))
        left += share
    if not shapes:
        shapes.append(format_html('<rect x="0" y="0" width="{}" height="{}" fill="#e9ecef"><title>{}: none</title>'
                                  '</rect>', width, height, label))
    return format_html(
        '<svg class="ota-chart ota-chart-bar" viewBox="0 0 {} {}" preserveAspectRatio="none" role="img" '
        'aria-label="{}">{}</svg>', width, height, label, format_html_join("", "{}", ((shape,) for shape in shapes)))


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: list  # one value per moment, in the order of the chart's moments


def stacked_area(moments: list[datetime], series: list[Series], *, label: str, width: int = 800,
                 height: int = 220) -> SafeString:
    """Series stacked on each other over time, the first at the bottom; axes give the time span and the top."""
    margin_left, margin_bottom = 48, 22
    plot_width, plot_height = width - margin_left - 8, height - margin_bottom - 8
    top = max((sum(values) for values in zip(*(s.values for s in series))), default=0) or 1
    last = max(len(moments) - 1, 1)

    def point(index, value):
        return f"{margin_left + plot_width * index / last:.1f},{8 + plot_height * (1 - value / top):.1f}"

    areas, below = [], [0] * len(moments)
    for one in series:
        above = [base + value for base, value in zip(below, one.values)]
        outline = [point(i, v) for i, v in enumerate(above)] + [point(i, v) for i, v in reversed(list(enumerate(below)))]
        areas.append(format_html('<polygon points="{}" fill="{}" fill-opacity="0.85"><title>{}: {} now</title>'
                                 '</polygon>', " ".join(outline), one.colour, one.label,
                                 one.values[-1] if one.values else 0))
        below = above
    axes = format_html(
        '<line x1="{left}" y1="8" x2="{left}" y2="{bottom}" stroke="#6c757d"/>'
        '<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#6c757d"/>'
        '<text x="{text_left}" y="16" text-anchor="end">{top}</text>'
        '<text x="{text_left}" y="{bottom}" text-anchor="end">0</text>'
        '<text x="{left}" y="{labels}">{start}</text>'
        '<text x="{right}" y="{labels}" text-anchor="end">{end}</text>',
        left=margin_left, right=margin_left + plot_width, bottom=8 + plot_height, text_left=margin_left - 4,
        top=top, labels=height - 4, start=_moment(moments[0]) if moments else "",
        end=_moment(moments[-1]) if moments else "",
    )
    return format_html(
        '<svg class="ota-chart ota-chart-area" viewBox="0 0 {} {}" role="img" aria-label="{}">{}{}</svg>',
        width, height, label, format_html_join("", "{}", ((area,) for area in areas)), axes)


def _moment(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"
