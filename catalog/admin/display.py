"""How the admin shows states and sizes: coloured badges and exact byte counts."""

from django.contrib.admin.utils import quote
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html

from catalog.choices import (
    ARTIFACT_STATE_COLOURS,
    CREDENTIAL_STATUS_COLOURS,
    NO_ARTIFACT_COLOUR,
    RELEASE_STATUS_COLOURS,
)

EMPTY = "-"


def badge(state: str, colour: str):
    """A coloured label; ``data-state`` lets tests and scripts read the state without parsing text."""
    return format_html('<span class="ota-badge" data-state="{}" style="background-color: {}">{}</span>',
                       state, colour, state)


def artifact_badge(artifact):
    if artifact is None:
        return badge("none", NO_ARTIFACT_COLOUR)
    return badge(artifact.state, ARTIFACT_STATE_COLOURS[artifact.state])


def release_status_badge(release):
    return badge(release.status, RELEASE_STATUS_COLOURS[release.status])


def credential_status_badge(credential):
    status = credential.status
    return badge(status, CREDENTIAL_STATUS_COLOURS[status])


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
