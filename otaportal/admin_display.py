"""How every app's admin shows states, sizes, links and times: coloured badges and exact byte counts."""

from django.contrib.admin.utils import quote
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

EMPTY = "-"


def badge(state: str, colour: str):
    """A coloured label; ``data-state`` lets tests and scripts read the state without parsing text."""
    return format_html('<span class="ota-badge" data-state="{}" style="background-color: {}">{}</span>',
                       state, colour, state)


def byte_size(size: int | None):
    """``1.5 MB (1572864 bytes)``: readable, and exact for comparing with what was declared."""
    if size is None:
        return EMPTY
    return format_html("{} ({} bytes)", filesizeformat(size), size)


def admin_link(obj, text):
    """A link to ``obj``'s change page."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    return format_html('<a href="{}">{}</a>', url, text)


def moment(value):
    """A time as the admin shows its own date fields (read-only computed fields get no formatting)."""
    return formats.localize(timezone.localtime(value)) if value else EMPTY
