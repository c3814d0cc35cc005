"""The audit log in the admin: read-only (append-only from the application), filtered and searched."""

from django.contrib import admin
from django.utils.html import format_html_join

from audit.models import AuditEntry
from catalog.admin.read_only import ReadOnlyAdminMixin


class DistinctValueFilter(admin.SimpleListFilter):
    """The values a text column holds (actors, object types, products), as a list to pick from."""

    field_name = ""
    most = 200

    def lookups(self, request, model_admin):
        values = (AuditEntry.objects.exclude(**{self.field_name: ""}).order_by(self.field_name)
                  .values_list(self.field_name, flat=True).distinct()[:self.most])
        return [(value, value) for value in values]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field_name: self.value()}) if self.value() else queryset


class ActorFilter(DistinctValueFilter):
    title, parameter_name, field_name = "actor", "actor", "actor"


class ObjectTypeFilter(DistinctValueFilter):
    title, parameter_name, field_name = "object type", "object_type", "object_type"


class ProductFilter(DistinctValueFilter):
    title, parameter_name, field_name = "product", "product", "product"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("sequence", "created_at", "actor", "surface", "credential", "client_address", "action",
                    "object_type", "object_id", "object_repr", "product")
    list_filter = (ActorFilter, "surface", "action", ObjectTypeFilter, ProductFilter, "created_at")
    search_fields = ("actor", "object_repr", "object_id", "credential", "client_address", "product")
    date_hierarchy = "created_at"
    show_full_result_count = False  # counting a long log for every page is slow; the pager does not need it
    fields = ("sequence", "created_at", "actor", "actor_id", "surface", "credential", "client_address",
              "action", "object_type", "object_id", "object_repr", "product", "changes_table",
              "previous_hash", "entry_hash")

    @admin.display(description="changes (before → after)")
    def changes_table(self, entry):
        changes = sorted(entry.changes.items())
        return format_html_join("\n", "<div><strong>{}</strong>: {} → {}</div>",
                                ((name, *_before_after(change)) for name, change in changes))


def _before_after(change):
    """An update's [before, after]; groups and permissions record {"added": [...]} instead."""
    if isinstance(change, list) and len(change) == 2:
        return change
    return "", change
