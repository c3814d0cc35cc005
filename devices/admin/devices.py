"""Devices in the admin: fast lists on a million rows, the event history, and token actions.

Changes go through ``devices.services`` like the API's and the commands', so
each writes a DeviceEvent. A token (of a device added here or rotated) is shown
once, on the page answering the action, and never kept in a message or session.
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db import models
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from catalog.admin.object_actions import ObjectActionsMixin, object_action
from catalog.admin.widgets import KeyValueWidget, StringListWidget, key_value_table
from devices import services
from devices.models import Device
from otaportal.admin_display import badge
from otaportal.json_limits import JSONFormField

from .filters import AttributeFilter, InstalledVersionFilter, LastSeenFilter, TagFilter
from .pagination import DeviceListPaginator

ACTIVE_COLOURS = {"active": "#198754", "inactive": "#6c757d"}
EVENTS_SHOWN = 20
MAX_TOKENS_AT_ONCE = 100
MAX_DEACTIVATIONS_AT_ONCE = 1000
EDITABLE_FIELDS = ("name", "attributes", "tags")
READ_ONLY_VIEWS = ("attributes_table", "tags_list")
TOKEN_TEMPLATE = "admin/devices/device/tokens.html"


@admin.register(Device)
class DeviceAdmin(ObjectActionsMixin, admin.ModelAdmin):
    list_display = ("uid", "name", "product", "installed", "agent_version", "last_seen_at", "active_badge")
    list_select_related = ("product",)
    # Each answered by an index at a million devices: the product's, the GIN (jsonb_path_ops) indexes of
    # attributes, installed versions and tags (containment), the partial index of inactive devices.
    list_filter = ("product", TagFilter, AttributeFilter, InstalledVersionFilter, "is_active", LastSeenFilter)
    #: List filters of apps that build on devices (rollouts adds the update status), kept after ours.
    extra_list_filters = []
    page_links = []  # filled like ReleaseAdmin's: rollouts links a device to its pending update
    page_sections = []
    # Any part, any case: on PostgreSQL the trigram indexes of devices migration 0003 serve this LIKE '%x%'.
    search_fields = ("uid__icontains", "name__icontains")
    search_help_text = "Any part of a uid or of a name (not case-sensitive)."
    paginator = DeviceListPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    sortable_by = ("uid", "last_seen_at")
    ordering = ("uid",)
    list_per_page = 50
    actions = ("deactivate_selected", "rotate_tokens_selected")
    object_actions = ("deactivate", "activate", "rotate_token")
    add_fields = ("uid", "product", "name", "attributes", "tags", "agent_version", "installed_versions")
    formfield_overrides = {models.JSONField: {"form_class": JSONFormField}}
    readonly_on_change = ("uid", "product", "active_badge", "agent_version", "installed_table",
                          "last_seen_at", "last_seen_address", "token_prefix", "token_rotated_at",
                          "created_at", "updated_at", "event_history")

    class Media:
        # The badges and buttons (ObjectActionsMixin's, which this replaces) and the typed list filters.
        css = {"all": ["catalog/admin.css", "editors/editors.css"]}

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": self.add_fields})]
        # Someone who may only look sees attributes and tags as tables, not as JSON text.
        shown = EDITABLE_FIELDS if self.has_change_permission(request, obj) else ("name", *READ_ONLY_VIEWS)
        return [
            (None, {"fields": ("uid", "product", "active_badge", *shown)}),
            ("Reported by the device", {"fields": ("agent_version", "installed_table", "last_seen_at",
                                                   "last_seen_address")}),
            ("Token and record", {"fields": ("token_prefix", "token_rotated_at", "created_at",
                                             "updated_at")}),
            ("History", {"fields": ("event_history",)}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else (*self.readonly_on_change, *READ_ONLY_VIEWS)

    def get_list_filter(self, request):
        return (*self.list_filter, *self.extra_list_filters)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Attributes as key/value rows and tags as a list; both still post the JSON the validators check.
        widget = {"attributes": KeyValueWidget, "installed_versions": KeyValueWidget,
                  "tags": StringListWidget}.get(db_field.name)
        if widget is not None:
            kwargs["widget"] = widget
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    # --- list columns ---------------------------------------------------

    @admin.display(description="installed")
    def installed(self, device):
        versions = sorted(device.installed_versions.items())
        return ", ".join(f"{module} {version}" for module, version in versions)

    @admin.display(description="attributes")
    def attributes_table(self, device):
        return key_value_table(device.attributes)

    @admin.display(description="tags")
    def tags_list(self, device):
        return StringListWidget().read_only_view(device.tags)

    @admin.display(description="installed versions")
    def installed_table(self, device):
        return key_value_table(device.installed_versions, empty="nothing reported yet", key_label="module",
                               value_label="version")

    @admin.display(description="status", ordering="is_active")
    def active_badge(self, device):
        state = "active" if device.is_active else "inactive"
        return badge(state, ACTIVE_COLOURS[state])

    @admin.display(description="recent events")
    def event_history(self, device):
        events = device.events.all()[:EVENTS_SHOWN]
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            ((localtime(event.created_at).strftime("%Y-%m-%d %H:%M:%S"), event.get_kind_display(),
              event.message, json.dumps(event.data) if event.data else "") for event in events),
        )
        all_events = (reverse("admin:devices_deviceevent_changelist")
                      + f"?device__id__exact={quote(device.pk)}")
        return format_html(
            '<table class="device-events"><thead><tr><th>when</th><th>what</th><th>message</th><th>data</th>'
            '</tr></thead><tbody>{}</tbody></table><p><a href="{}">All events of this device</a></p>',
            rows or mark_safe('<tr><td colspan="4">No events yet.</td></tr>'), all_events,
        )

    # --- saving through the services ----------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            original = Device.objects.get(pk=obj.pk)
            services.update_device(original, actor=request.user,
                                   **{field: form.cleaned_data[field] for field in EDITABLE_FIELDS})
            return
        issued = services.register_device(
            obj.product, obj.uid, name=obj.name, attributes=obj.attributes, tags=obj.tags,
            agent_version=obj.agent_version, installed_versions=obj.installed_versions, actor=request.user,
        )
        obj.pk = issued.device.pk
        request.issued_device_token = issued.token

    def response_add(self, request, obj, post_url_continue=None):
        token = getattr(request, "issued_device_token", None)
        if token is None:
            return super().response_add(request, obj, post_url_continue)
        return self.tokens_page(request, [(obj, token)], f"Device {obj.uid} registered")

    # --- actions ----------------------------------------------------------------

    def tokens_page(self, request, issued: list[tuple[Device, str]], title: str):
        response = TemplateResponse(request, TOKEN_TEMPLATE, {
            **self.admin_site.each_context(request), "title": title, "opts": self.opts, "issued": issued,
            "changelist_url": reverse("admin:devices_device_changelist"),
        })
        response["Cache-Control"] = "no-store"
        return response

    @object_action("Rotate token")
    def rotate_token(self, request, device):
        token = services.rotate_token(device, actor=request.user)
        self.log_change(request, device, "Rotated the device token.")
        return self.tokens_page(request, [(device, token)], f"New token of {device.uid}")

    @object_action("Deactivate", available=lambda model_admin, device: device.is_active)
    def deactivate(self, request, device):
        services.deactivate_device(device, actor=request.user, reason="in the admin")
        self.log_and_report(request, [device], "Deactivated the device.",
                            f"{device.uid} is deactivated: its token no longer works.")

    @object_action("Activate", available=lambda model_admin, device: not device.is_active)
    def activate(self, request, device):
        services.activate_device(device, actor=request.user)
        self.log_and_report(request, [device], "Activated the device.", f"{device.uid} is active again.")

    def _at_most(self, request, queryset, limit, what):
        """The selected devices, or None (and a message) when there are more than ``limit``."""
        devices = list(queryset[: limit + 1])
        if len(devices) > limit:
            self.message_user(request, f"Select at most {limit} devices to {what} here; use the API or the "
                                       "commands for more.", messages.ERROR)
            return None
        return devices

    @admin.action(description="Deactivate selected devices", permissions=["change"])
    def deactivate_selected(self, request, queryset):
        devices = self._at_most(request, queryset.filter(is_active=True), MAX_DEACTIVATIONS_AT_ONCE,
                                "deactivate")
        if devices is None:
            return
        for device in devices:
            services.deactivate_device(device, actor=request.user, reason="in the admin")
        self.log_and_report(request, devices, "Deactivated the device.",
                            f"{len(devices)} device(s) deactivated: their tokens no longer work.")

    @admin.action(description="Rotate tokens of selected devices", permissions=["change"])
    def rotate_tokens_selected(self, request, queryset):
        devices = self._at_most(request, queryset, MAX_TOKENS_AT_ONCE, "rotate their tokens")
        if devices is None:
            return None
        issued = [(device, services.rotate_token(device, actor=request.user)) for device in devices]
        for device, _ in issued:
            self.log_change(request, device, "Rotated the device token.")
        return self.tokens_page(request, issued, f"New tokens of {len(issued)} device(s)")
