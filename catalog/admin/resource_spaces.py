from django.contrib import admin
from django.db.models import Count

from catalog.models import ResourceSpace


@admin.register(ResourceSpace)
class ResourceSpaceAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "product_count", "created_at")
    search_fields = ("key", "name")
    readonly_fields = ("created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(product_count=Count("products"))

    @admin.display(description="products", ordering="product_count")
    def product_count(self, space):
        return space.product_count
