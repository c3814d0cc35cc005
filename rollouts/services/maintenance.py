"""Adding and removing maintenance windows, and how each stands now (docs/rollouts.md, "Maintenance windows").

The admin's inlines save windows through the model form; the API and the
command call these functions. Either way the product's policy is invalidated
(rollouts.signals) and the write is audited (audit.capture).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from rollouts import windows as maintenance
from rollouts.models import MaintenanceWindow, Rollout
from rollouts.policy import WindowPolicy


@transaction.atomic
def add_window(owner, schedule: str, duration: timedelta, time_zone: str) -> MaintenanceWindow:
    """A new window of ``owner`` (a Product or a Rollout); ValidationError naming the field if one is bad,
    or a non-field one when the owner has MAX_WINDOWS already."""
    type(owner).objects.select_for_update().get(pk=owner.pk)  # concurrent adds are counted one after the other
    if owner.maintenance_windows.count() >= maintenance.MAX_WINDOWS:
        raise ValidationError({NON_FIELD_ERRORS: f"There are {maintenance.MAX_WINDOWS} maintenance windows here "
                                                 "already, the most allowed: remove one first."})
    window = MaintenanceWindow(schedule=schedule, duration=duration, time_zone=time_zone)
    if isinstance(owner, Rollout):
        window.rollout = owner
    else:
        window.product = owner
    window.full_clean()
    window.save()
    return window


@transaction.atomic
def remove_window(window: MaintenanceWindow) -> None:
    window.delete()


@dataclass(frozen=True)
class Standing:
    """How a window stands at a moment, on its own."""

    open_now: bool
    open_until: datetime | None  # when open
    next_opening: datetime | None  # the next time it opens (after the current opening when open); None: never


def standing(window: MaintenanceWindow, now: datetime) -> Standing:
    single = (WindowPolicy(window.schedule, window.duration, window.time_zone),)
    state = maintenance.state(single, now)
    if state.opening is None:
        return Standing(False, None, None)
    if not state.open:
        return Standing(False, None, state.opening.start)
    after = maintenance.following(single, state.opening)
    return Standing(True, state.opening.end, after.start if after else None)


def standing_text(window: MaintenanceWindow, now: datetime) -> str:
    """"open now until …", "next opens …" or "never opens again", read in the window's time zone."""
    found = standing(window, now)
    zone = ZoneInfo(window.time_zone)

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    if found.open_now:
        return f"open now until {local(found.open_until)}"
    if found.next_opening is None:
        return "never opens again"
    return f"next opens {local(found.next_opening)}"


def windows_of(owner) -> list[MaintenanceWindow]:
    return list(owner.maintenance_windows.order_by("id"))


def in_force(rollout: Rollout) -> tuple[str, list[MaintenanceWindow]]:
    """Whose windows hold for the rollout ("rollout" or "product") and the windows: its own, else its product's."""
    own = windows_of(rollout)
    return ("rollout", own) if own else ("product", windows_of(rollout.release.product))
