from datetime import timedelta

from django.contrib import admin
from django.utils import timezone


class LastSeenFilter(admin.SimpleListFilter):
    """When the device last called, in the buckets operators ask about (each one range on an index)."""

    title = "last seen"
    parameter_name = "seen"
    BUCKETS = {
        "hour": ("Within an hour", {"last_seen_at__gte": timedelta(hours=1)}),
        "day": ("Within a day", {"last_seen_at__gte": timedelta(days=1)}),
        "day+": ("Over a day ago", {"last_seen_at__lt": timedelta(days=1)}),
        "week+": ("Over a week ago", {"last_seen_at__lt": timedelta(days=7)}),
    }

    def lookups(self, request, model_admin):
        return [*((key, label) for key, (label, _) in self.BUCKETS.items()), ("never", "Never")]

    def queryset(self, request, queryset):
        if self.value() == "never":
            return queryset.filter(last_seen_at__isnull=True)
        if self.value() in self.BUCKETS:
            (lookup, age), = self.BUCKETS[self.value()][1].items()
            return queryset.filter(**{lookup: timezone.now() - age})
        return queryset
