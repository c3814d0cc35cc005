"""List filters that the plain field filters cannot express, or would run a query per choice for."""

from django.contrib import admin

from catalog.choices import ArtifactState
from catalog.models import Module

NO_ARTIFACT = "none"


class ArtifactStateFilter(admin.SimpleListFilter):
    """A release's artifact verification state, with "none" for releases without an artifact."""

    title = "artifact state"
    parameter_name = "artifact_state"

    def lookups(self, request, model_admin):
        return [*ArtifactState.choices, (NO_ARTIFACT, "No artifact")]

    def queryset(self, request, queryset):
        if self.value() == NO_ARTIFACT:
            return queryset.filter(artifact__isnull=True)
        if self.value() in ArtifactState.values:
            return queryset.filter(artifact__state=self.value())
        return queryset


class ModuleFilter(admin.RelatedFieldListFilter):
    """Modules named ``product/module``, read in one query (the plain filter reads each product)."""

    def field_choices(self, field, request, model_admin):
        return [(module.pk, str(module)) for module in Module.objects.select_related("product")]
