"""Device filters in the admin: conditions built row by row, checked by rollouts.conditions, previewed live.

The condition builder (static/editors/conditions.js) asks ``preview/`` for the devices
its rows match while they are edited: the same validation and the same count
(rollouts.services.filters.preview) as the saved filter's "devices matching now".
"""

import json

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from rollouts import conditions
from rollouts.models import DeviceFilter
from rollouts.services import filters

from .forms import DeviceFilterAdminForm
from .rollout_pages import counted

PREVIEW_UIDS = 5


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

    def get_urls(self):
        preview = path("preview/", self.admin_site.admin_view(self.preview_view),
                       name=f"{self.opts.app_label}_{self.opts.model_name}_preview")
        return [preview, *super().get_urls()]

    def preview_view(self, request):
        """POST ``{"conditions": [...]}``: ``{"count", "exact", "method", "uids"}``, or 400 naming the fields.

        POST because conditions can be long; it changes nothing. The body is capped by
        DATA_UPLOAD_MAX_MEMORY_SIZE and the conditions by rollouts.conditions' limits.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_view_permission(request) and request.user.has_perm("devices.view_device")):
            raise PermissionDenied  # the answer names devices
        try:
            body = json.loads(request.body)
        except (ValueError, RecursionError):
            return JsonResponse({"errors": {"body": ["Send a JSON object."]}}, status=400)
        if not isinstance(body, dict) or "conditions" not in body:
            return JsonResponse({"errors": {"conditions": ["This field is required."]}}, status=400)
        try:
            cleaned = conditions.validate(body["conditions"])
        except ValidationError as error:
            return JsonResponse({"errors": error.message_dict}, status=400)
        preview, unavailable = counted(filters.preview, cleaned)
        if unavailable:
            return JsonResponse({"errors": {"conditions": [unavailable]}}, status=400)
        if preview.exact and preview.count == 0:
            return JsonResponse({**preview.as_dict(), "uids": []})  # no second pass over the fleet for nothing
        uids, _ = counted(lambda: list(filters.matching(cleaned).order_by("uid")
                                       .values_list("uid", flat=True)[:PREVIEW_UIDS]))
        return JsonResponse({**preview.as_dict(), "uids": uids or []})

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
