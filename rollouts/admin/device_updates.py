"""Each device's progress with each release, as the devices reported it: read only."""

from django.contrib import admin

from catalog.admin.read_only import ReadOnlyAdminMixin
from devices.admin.pagination import EstimatedCountPaginator
from rollouts.models import DeviceUpdate

from .display import update_status_badge
from .list_filters import FinishedFilter, OutcomeFilter, PhaseFilter, ReleaseFilter


@admin.register(DeviceUpdate)
class DeviceUpdateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "device", "release", "phase_number", "status_badge", "attempt", "reason", "offered_at",
                    "updated_at")
    list_select_related = ("device", "release__module__product")
    # The dashboard and the rollout progress page link here with these filters set.
    list_filter = (ReleaseFilter, PhaseFilter, OutcomeFilter, "status", FinishedFilter, "release__product")
    # Prefix searches: LIKE 'x%' on the device uid uses its index.
    search_fields = ("device__uid__startswith", "release__version__startswith")
    search_help_text = "Start of a device uid or of a version."
    # One row per device and release: a million-device fleet makes exact counts slow.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Newest first by primary key (offers are numbered as they are made): no sort over the whole table.
    ordering = ("-id",)
    sortable_by = ("id",)
    fields = ("device", "release", "phase_number", "from_version", "status_badge", "reason", "attempt", "offered_at",
              "updated_at", "finished_at")
    readonly_fields = fields

    @admin.display(description="phase", ordering="phase")
    def phase_number(self, update):
        return update.phase + 1  # stored from 0, shown from 1 like everywhere else

    @admin.display(description="status", ordering="status")
    def status_badge(self, update):
        return update_status_badge(update.status)
