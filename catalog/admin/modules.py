from django.contrib import admin
from django.db.models import Count

from catalog.models import Module


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("name", "product", "release_count", "created_at")
    list_select_related = ("product",)
    list_filter = ("product",)
    search_fields = ("name", "description", "product__key", "product__name")
    ordering = ("product__key", "name")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(release_count=Count("releases"))

    def get_readonly_fields(self, request, obj=None):
        # A module's releases belong to its product: it never moves to another one.
        return ("product", *self.readonly_fields) if obj else self.readonly_fields

    @admin.display(description="releases", ordering="release_count")
    def release_count(self, module):
        return module.release_count
