"""The rollout audit trail in the admin: read only."""

from django.contrib import admin

from rollouts.models import RolloutEvent

from catalog.admin.read_only import ReadOnlyAdminMixin


@admin.register(RolloutEvent)
class RolloutEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "rollout", "kind", "actor", "message")
    list_select_related = ("rollout__release__module__product", "actor")
    list_filter = ("kind", "created_at", "rollout__release__product")
    search_fields = ("message", "rollout__release__version", "actor__username")
    date_hierarchy = "created_at"
    fields = ("created_at", "rollout", "kind", "actor", "message")
    readonly_fields = fields
