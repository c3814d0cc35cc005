"""The device update's page shows its action log: every report the device sent, with its messages, read only."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from rollouts.models import UpdateLogEntry
from rollouts.services import update_log

from .device_updates import DeviceUpdateAdmin
from .display import update_status_badge


class UpdateLogInline(admin.TabularInline):
    model = UpdateLogEntry
    verbose_name = "report"
    verbose_name_plural = "action log"
    fields = ("received_at", "channel", "reported", "status_badge", "message_lines")
    readonly_fields = fields
    ordering = ("position",)
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        # Inline instances are made per request: naming the trimmed lines here is not shared between requests.
        trimmed = update_log.trimmed_lines(obj) if obj is not None else 0
        self.verbose_name_plural = (f"action log (oldest first; {update_log.trimmed_note(trimmed)})" if trimmed
                                    else f"action log (oldest first; the latest {update_log.MAX_LOG_LINES} lines "
                                         "are kept)")
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="status after")
    def status_badge(self, entry):
        return update_status_badge(entry.status)

    @admin.display(description="messages")
    def message_lines(self, entry):
        return format_html('<pre class="ota-log">{}</pre>',
                           format_html_join("\n", "{}", ((message,) for message in entry.messages)))


# The update's page is the one place its log shows in full; the device page's updates link there.
DeviceUpdateAdmin.inlines = (*DeviceUpdateAdmin.inlines, UpdateLogInline)
