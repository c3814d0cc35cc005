"""Maintenance windows in the admin: inlines on the rollout's page and, added from here (the catalog
does not import rollouts), on the product's page. The inline saves the windows itself; they are not part
of the rollout's policy form (rollouts.admin.rollouts.RolloutAdmin.save_related)."""

from django.contrib import admin
from django.utils import timezone

from catalog.admin.products import ProductAdmin
from rollouts.models import MaintenanceWindow
from rollouts.services import maintenance
from rollouts.windows import MAX_WINDOWS


class MaintenanceWindowInline(admin.TabularInline):
    model = MaintenanceWindow
    fields = ("schedule", "duration", "time_zone", "standing")
    readonly_fields = ("standing",)
    extra = 0
    max_num = MAX_WINDOWS

    def get_formset(self, request, obj=None, **kwargs):
        # Posted forms beyond max_num are refused, not only not offered.
        return super().get_formset(request, obj, validate_max=True, **kwargs)

    @admin.display(description="now")
    def standing(self, window):
        return maintenance.standing_text(window, timezone.now()) if window.pk else "—"


class RolloutWindowInline(MaintenanceWindowInline):
    fk_name = "rollout"
    verbose_name_plural = ("maintenance windows (devices install only inside one; none here: the product's "
                           "windows; none at all: any time)")


class ProductWindowInline(MaintenanceWindowInline):
    fk_name = "product"
    verbose_name_plural = ("maintenance windows (devices install only inside one, for every rollout without "
                           "windows of its own; none: any time)")


ProductAdmin.inlines = [*ProductAdmin.inlines, ProductWindowInline]
