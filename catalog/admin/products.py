from django.contrib import admin
from django.db.models import Count

from catalog.models import Module, Product


class ModuleInline(admin.TabularInline):
    model = Module
    fields = ("name", "description", "created_at")
    readonly_fields = ("created_at",)
    extra = 0
    show_change_link = True


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    inlines = [ModuleInline]
    list_display = ("key", "name", "resource_space", "module_count", "release_count", "created_at")
    list_select_related = ("resource_space",)
    list_filter = ("resource_space", "requires_approval")
    search_fields = ("key", "name", "description", "resource_space__key")
    readonly_fields = ("created_at", "updated_at")
    fields = ("key", "name", "description", "resource_space", "poll_interval", "requires_approval",
              "approval_threshold", "created_at", "updated_at")

    def get_queryset(self, request):
        # Distinct counts: two joins in one query would multiply each other.
        return super().get_queryset(request).annotate(
            module_count=Count("modules", distinct=True), release_count=Count("releases", distinct=True)
        )

    @admin.display(description="modules", ordering="module_count")
    def module_count(self, product):
        return product.module_count

    @admin.display(description="releases", ordering="release_count")
    def release_count(self, product):
        return product.release_count
