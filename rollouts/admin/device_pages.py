"""What the rollouts add to the device admin: the update-status list filter and the device page's updates.

The devices app may not import rollouts (the layers of pyproject.toml), so, as with
the release page, this module registers its parts on DeviceAdmin's hook lists.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse

from devices.admin.devices import DeviceAdmin
from rollouts.models import OPEN_STATUSES, DeviceUpdate, Rollout, RolloutState, UpdateStatus

from .display import state_badge, update_status_badge

RECENT_UPDATES = 5
LIVE_ROLLOUTS_SHOWN = 10
# Offered and not finished: what the device has still to download, install or report.
PENDING_STATUSES = frozenset(OPEN_STATUSES | {UpdateStatus.INSTALLING})


class UpdateStatusFilter(admin.SimpleListFilter):
    """Devices having an update in a status: EXISTS on the (device, status) index, one device at a time."""

    title = "update status"
    parameter_name = "update"
    PENDING, NEVER = "pending", "never"

    def lookups(self, request, model_admin):
        return [(self.PENDING, "Pending (offered, not finished)"), *UpdateStatus.choices,
                (self.NEVER, "Never offered anything")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.PENDING:
            statuses = PENDING_STATUSES
        elif value == self.NEVER:
            return queryset.filter(~Exists(DeviceUpdate.objects.filter(device=OuterRef("pk"))))
        elif value in UpdateStatus.values:
            statuses = {value}
        else:
            return queryset
        updates = DeviceUpdate.objects.filter(device=OuterRef("pk"), status__in=statuses)
        return queryset.filter(Exists(updates))


def _explain_url(rollout_id, device):
    page = reverse("admin:rollouts_rollout_explain", args=[quote(rollout_id)])
    return f"{page}?{urlencode({'device': device.uid})}"


def device_updates_section(request, device):
    """The device's pending update (status, release, explain), its recent ones, and the live rollouts of
    its product it could be offered, each with the page explaining why it is or is not."""
    if not request.user.has_perm("rollouts.view_rollout"):
        return None
    related = device.updates.select_related("release__module__product", "release__rollout")
    updates = list(related.order_by("-offered_at")[:RECENT_UPDATES])
    pending = related.filter(status__in=PENDING_STATUSES).order_by("-offered_at").first()
    live = (Rollout.objects.filter(release__product_id=device.product_id,
                                   state__in=(RolloutState.RUNNING, RolloutState.PAUSED))
            .select_related("release__module__product")
            .order_by("release__module__name", "-release__version_key")[:LIVE_ROLLOUTS_SHOWN])
    rows = [_update_row(update, device) for update in updates]
    updates_url = f"{reverse('admin:rollouts_deviceupdate_changelist')}?{urlencode({'q': device.uid})}"
    return render_to_string("admin/devices/device/updates_section.html", {
        "device": device, "pending": _update_row(pending, device) if pending else None,
        "rows": rows,
        "live": [{"rollout": rollout, "badge": state_badge(rollout.state),
                  "explain_url": _explain_url(rollout.pk, device)} for rollout in live],
        "all_updates_url": updates_url,
    }, request=request)


def _update_row(update, device) -> dict:
    return {
        "update": update, "badge": update_status_badge(update.status),
        "release_url": reverse("admin:catalog_release_change", args=[quote(update.release_id)]),
        "explain_url": _explain_url(update.release.rollout.pk, device),
        "log_url": reverse("admin:rollouts_deviceupdate_change", args=[update.pk]),  # its action log
        "progress_url": reverse("admin:rollouts_rollout_progress", args=[quote(update.release.rollout.pk)]),
    }


DeviceAdmin.extra_list_filters.append(UpdateStatusFilter)
DeviceAdmin.page_sections.append(device_updates_section)
