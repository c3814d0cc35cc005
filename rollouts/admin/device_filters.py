"""Device filters in the admin: conditions edited as JSON, checked by rollouts.conditions, with a preview."""

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from rollouts.models import DeviceFilter
from rollouts.services import filters

from .forms import DeviceFilterAdminForm
from .rollout_pages import counted


@admin.register(DeviceFilter)
class DeviceFilterAdmin(admin.ModelAdmin):
    form = DeviceFilterAdminForm
    list_display = ("name", "description", "condition_count", "rollout_count", "updated_at")
    search_fields = ("name", "description")
    readonly_fields = ("id", "matching_devices", "used_by", "created_at", "updated_at")
    fieldsets = [
        (None, {"fields": ("name", "description", "conditions")}),
        ("Reach", {"fields": ("matching_devices", "used_by")}),
        ("Record", {"fields": ("id", "created_at", "updated_at"), "classes": ("collapse",)}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(rollout_total=Count("rollout_filters"))

    def get_readonly_fields(self, request, obj=None):
        return ("id",) if obj is None else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets[:1] if obj is None else self.fieldsets

    @admin.display(description="conditions")
    def condition_count(self, device_filter):
        return len(device_filter.conditions)

    @admin.display(description="rollouts", ordering="rollout_total")
    def rollout_count(self, device_filter):
        return device_filter.rollout_total

    @admin.display(description="devices matching now")
    def matching_devices(self, device_filter):
        preview, unavailable = counted(filters.preview, device_filter.conditions)
        if unavailable:
            return unavailable
        return f"{preview.count}" if preview.exact else f"about {preview.count} (estimated: counting took too long)"

    @admin.display(description="used by")
    def used_by(self, device_filter):
        links = device_filter.rollout_filters.select_related("rollout__release__module__product")
        if not links:
            return "no rollout"
        return format_html_join(
            ", ", '<a href="{}">{}</a>{}',
            ((reverse("admin:rollouts_rollout_change", args=[quote(link.rollout_id)]), link.rollout.release,
              format_html(" from {}", link.rollout_date) if link.rollout_date else "") for link in links),
        )

    def save_model(self, request, obj, form, change):
        """Through the same service as the API, which checks the name and the conditions again."""
        saved = filters.save_filter(obj if change else None, name=form.cleaned_data["name"],
                                    conditions=form.cleaned_data["conditions"],
                                    description=form.cleaned_data["description"])
        obj.pk = saved.pk
