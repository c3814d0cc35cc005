"""hawkBit gateway tokens in the admin: issued once per product, shown once, revoked with a POST.

A gateway token may act for every device of its product over the DDI API
(docs/ddi.md), so it is made and revoked through devices.gateway_tokens like
the ``create_gateway_token`` command does, and every revocation is logged.
"""

from django.contrib import admin, messages
from django.utils.html import format_html

from catalog.admin.object_actions import ObjectActionsMixin
from devices import gateway_tokens
from devices.models import GatewayToken
from otaportal.admin_actions import RevokeActionsMixin
from otaportal.admin_display import badge

STATUS_COLOURS = {"active": "#198754", "revoked": "#6c757d"}


class GatewayTokenStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() in ("active", "revoked"):
            return queryset.filter(revoked_at__isnull=self.value() == "active")
        return queryset


@admin.register(GatewayToken)
class GatewayTokenAdmin(RevokeActionsMixin, ObjectActionsMixin, admin.ModelAdmin):
    list_display = ("prefix", "name", "product", "status_badge", "last_used_at", "created_at")
    list_select_related = ("product",)
    list_filter = (GatewayTokenStatusFilter, "product")
    search_fields = ("prefix", "name", "product__key")
    ordering = ("-created_at",)
    add_fields = ("product", "name")
    revoked_consequence = ": they no longer work"
    record_fields = ("prefix", "status_badge", "created_at", "last_used_at", "revoked_at")

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else (*self.add_fields, *self.record_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("product", *self.record_fields)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        issued = gateway_tokens.issue(obj.product, name=obj.name)
        obj.pk, obj.prefix, obj.digest = issued.token.pk, issued.token.prefix, issued.token.digest
        self.message_user(request, format_html(
            'The new gateway token of {}, shown only this once: <code class="ota-secret">{}</code>',
            obj.product.key, issued.plaintext), messages.WARNING)

    @admin.display(description="status", ordering="revoked_at")
    def status_badge(self, token):
        state = "active" if token.revoked_at is None else "revoked"
        return badge(state, STATUS_COLOURS[state])

    def revoke_one(self, token):
        gateway_tokens.revoke(token)
