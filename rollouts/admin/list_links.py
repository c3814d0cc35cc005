"""Links to admin lists with their filters set: the dashboard's and the progress page's counts point there."""

from urllib.parse import urlencode

from django.contrib.admin.utils import quote
from django.urls import reverse


def changelist(name: str, **filters) -> str:
    """``admin:<name>_changelist`` with ``filters`` as its query (the list filters' parameter names)."""
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def device_list(**filters) -> str:
    return changelist("devices_device", **filters)


def update_list(**filters) -> str:
    """Device updates (rollouts/admin/list_filters.py: release, phase from 1, outcome, status, finished)."""
    return changelist("rollouts_deviceupdate", **filters)


def progress_url(rollout) -> str:
    return reverse("admin:rollouts_rollout_progress", args=[quote(rollout.pk)])
