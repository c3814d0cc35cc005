from django.contrib import admin

from catalog.admin.read_only import ReadOnlyAdminMixin
from devices.models import DeviceEvent
from otaportal.admin_display import admin_link

from .pagination import EstimatedCountPaginator


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: events are written by the registry, check-ins and feedback, never by hand."""

    list_display = ("created_at", "device_link", "kind", "message")
    list_select_related = ("device",)
    list_filter = ("kind",)
    search_fields = ("device__uid__startswith",)
    search_help_text = "Start of a device uid."
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ("created_at",)
    fields = ("created_at", "device_link", "kind", "message", "data")
    readonly_fields = fields

    @admin.display(description="device")
    def device_link(self, event):
        return admin_link(event.device, event.device.uid)
