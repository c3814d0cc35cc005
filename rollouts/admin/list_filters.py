"""List filters of the rollouts admin that the dashboard and the progress page link to.

Each filter's choices cost at most one small query, and a value that does not
parse is refused the admin's way (IncorrectLookupParameters: back to the list
with ``?e=1``), never a server error.
"""

import uuid
from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone

from catalog.models import Release
from rollouts.models import ACTIVE_STATUSES, FAILURE_STATUSES, SUCCESS_STATUSES, EventKind, RolloutPhase, RolloutState
from rollouts.services import dashboard

LIVE_RELEASES_OFFERED = 20


class ReleaseFilter(admin.SimpleListFilter):
    """One release's updates; offers the releases of live rollouts (and the one chosen), not all of them."""

    title = "release"
    parameter_name = "release"

    def chosen(self) -> uuid.UUID | None:
        if self.value() is None:
            return None
        try:
            return uuid.UUID(self.value())
        except ValueError:
            raise IncorrectLookupParameters(f"release: {self.value()[:40]!r} is not a release id.") from None

    def lookups(self, request, model_admin):
        chosen = self.chosen()
        releases = Release.objects.select_related("product", "module__product").order_by("product__key", "version")
        live = list(releases.filter(rollout__state__in=dashboard.LIVE_STATES)[:LIVE_RELEASES_OFFERED])
        if chosen and all(release.pk != chosen for release in live):
            live += list(releases.filter(pk=chosen))
        return [(str(release.pk), str(release)) for release in live]

    def queryset(self, request, queryset):
        chosen = self.chosen()
        return queryset.filter(release_id=chosen) if chosen else queryset


class PhaseFilter(admin.SimpleListFilter):
    """The phase an update was offered in, numbered from 1 as everywhere people read it (stored from 0)."""

    title = "phase"
    parameter_name = "phase"
    highest = 1000

    def number(self) -> int | None:
        if self.value() is None:
            return None
        if not self.value().isdigit() or not 1 <= int(self.value()) <= self.highest:
            raise IncorrectLookupParameters(f"phase: give a number from 1 to {self.highest}.")
        return int(self.value())

    def lookups(self, request, model_admin):
        release = request.GET.get(ReleaseFilter.parameter_name)
        numbers = {self.number()} - {None}
        if release:
            try:
                positions = RolloutPhase.objects.filter(rollout__release_id=uuid.UUID(release))
                numbers |= {position + 1 for position in positions.values_list("position", flat=True)}
            except ValueError:
                pass  # ReleaseFilter refuses it
        return [(str(number), f"phase {number}") for number in sorted(numbers)]

    def queryset(self, request, queryset):
        number = self.number()
        return queryset.filter(phase=number - 1) if number else queryset


class OutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"
    OUTCOMES = {
        "success": ("Succeeded (installed or committed)", SUCCESS_STATUSES),
        "failure": ("Failed or rolled back", FAILURE_STATUSES),
        "active": ("In progress (offered, downloading, installing)", ACTIVE_STATUSES),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.OUTCOMES.items()]

    def queryset(self, request, queryset):
        if self.value() in self.OUTCOMES:
            return queryset.filter(status__in=self.OUTCOMES[self.value()][1])
        return queryset


class FinishedFilter(admin.SimpleListFilter):
    """When the update reached its outcome; the dashboard's "failing in the last 24 h" is 24h here."""

    title = "finished"
    parameter_name = "finished"
    WINDOWS = {"1h": ("Within an hour", timedelta(hours=1)), "24h": ("Within 24 hours", dashboard.FAILING_WINDOW),
               "7d": ("Within 7 days", timedelta(days=7))}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.WINDOWS.items()]

    def queryset(self, request, queryset):
        if self.value() in self.WINDOWS:
            return queryset.filter(finished_at__gte=timezone.now() - self.WINDOWS[self.value()][1])
        return queryset


class PausedByFilter(admin.SimpleListFilter):
    """Paused rollouts by who paused them: their failure threshold, or a person (or an API client)."""

    title = "paused by"
    parameter_name = "paused_by"

    def lookups(self, request, model_admin):
        return [(EventKind.AUTO_PAUSED.value, "The failure threshold"), (EventKind.PAUSED.value, "An operator")]

    def queryset(self, request, queryset):
        if self.value() in (EventKind.AUTO_PAUSED, EventKind.PAUSED):
            return (queryset.filter(state=RolloutState.PAUSED).alias(last_pause=dashboard.latest_pause_kind())
                    .filter(last_pause=self.value()))
        return queryset
