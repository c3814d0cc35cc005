"""What the admin's dashboard and rollouts overview show: rollouts with their counts, and what needs attention.

Each function is a constant number of queries whatever the fleet's size: counts
come from ``DeviceUpdate``'s (release, phase, status) index as correlated
subqueries of one rollouts query, and the fleet's installed versions from
``fleet_census`` (sampled past a size, cached).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.choices import ArtifactState
from catalog.models import Artifact
from rollouts.models import (
    FAILURE_STATUSES,
    SUCCESS_STATUSES,
    DeviceUpdate,
    EventKind,
    Rollout,
    RolloutEvent,
    RolloutPhase,
    RolloutState,
)

LIVE_STATES = (RolloutState.RUNNING, RolloutState.PAUSED)
FAILING_WINDOW = timedelta(hours=24)
PAUSE_KINDS = (EventKind.PAUSED, EventKind.AUTO_PAUSED)


def _update_count(statuses=None):
    """The rollout's device updates (in ``statuses``), counted on the progress index."""
    updates = DeviceUpdate.objects.filter(release_id=OuterRef("release_id"))
    if statuses is not None:
        updates = updates.filter(status__in=statuses)
    counted = updates.order_by().values("release_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def latest_pause_kind():
    """``paused`` or ``auto_paused``: the kind of the rollout's latest pause event."""
    pauses = RolloutEvent.objects.filter(rollout=OuterRef("pk"), kind__in=PAUSE_KINDS).order_by("-created_at", "-id")
    return Subquery(pauses.values("kind")[:1])


def with_progress(rollouts):
    """Annotate rollouts with ``updates_total``, ``updates_succeeded``, ``updates_failed``, ``phase_total``,
    ``phase_percentage`` (the share of devices of the phase in force) and ``paused_by`` (the kind of the
    latest pause event: ``paused`` or ``auto_paused``)."""
    phases = RolloutPhase.objects.filter(rollout=OuterRef("pk"))
    phase_total = phases.order_by().values("rollout").annotate(n=Count("pk")).values("n")
    # The phase in force is the last one at or before current_phase (transitions.phase_in_force).
    in_force = phases.filter(position__lte=OuterRef("current_phase")).order_by("-position").values("percentage")
    return rollouts.annotate(
        updates_total=_update_count(), updates_succeeded=_update_count(SUCCESS_STATUSES),
        updates_failed=_update_count(FAILURE_STATUSES),
        phase_total=Coalesce(Subquery(phase_total, output_field=IntegerField()), Value(0)),
        phase_percentage=Subquery(in_force[:1]), paused_by=latest_pause_kind(),
    )


def phase_number(rollout) -> int | None:
    """The phase in force counted from 1 (positions are 0, 1, 2…), None without phases.

    Needs ``phase_total`` (``with_progress``).
    """
    if not rollout.phase_total:
        return None
    return min(rollout.current_phase, rollout.phase_total - 1) + 1


@dataclass(frozen=True)
class Rate:
    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return 100 * self.part / self.whole if self.whole else None


def progress_rate(rollout) -> Rate:
    """Devices offered the release that have installed it."""
    return Rate(rollout.updates_succeeded, rollout.updates_total)


def success_rate(rollout) -> Rate:
    """Of the updates with an outcome (installed or committed, failed or rolled back), those that succeeded."""
    return Rate(rollout.updates_succeeded, rollout.updates_succeeded + rollout.updates_failed)


def failure_rate(rollout) -> Rate:
    return Rate(rollout.updates_failed, rollout.updates_succeeded + rollout.updates_failed)


@dataclass(frozen=True)
class LiveRollouts:
    rollouts: list  # running or paused, most recently changed first, annotated by with_progress
    running: int
    paused: int


def live_rollouts(limit: int) -> LiveRollouts:
    """The running and paused rollouts (at most ``limit``) and how many there are of each."""
    live = Rollout.objects.filter(state__in=LIVE_STATES)
    totals = live.aggregate(running=Count("pk", filter=Q(state=RolloutState.RUNNING)),
                            paused=Count("pk", filter=Q(state=RolloutState.PAUSED)))
    shown = with_progress(live.select_related("release__module__product")).order_by("-updated_at")
    return LiveRollouts(list(shown[:limit]), totals["running"], totals["paused"])


@dataclass(frozen=True)
class FailingRelease:
    release_id: str
    label: str
    devices: int


@dataclass(frozen=True)
class Attention:
    auto_paused: list  # rollouts paused by their failure threshold, with state_reason
    auto_paused_total: int
    failed_artifacts: list
    failed_artifacts_total: int
    failing: list  # FailingRelease, most failing devices first
    failing_devices: int  # device updates that failed or rolled back in the window
    since: datetime


def auto_paused_rollouts():
    """Paused rollouts whose latest pause was the failure threshold's, not an operator's."""
    return (Rollout.objects.filter(state=RolloutState.PAUSED).annotate(paused_by=latest_pause_kind())
            .filter(paused_by=EventKind.AUTO_PAUSED))


def failing_updates(since: datetime):
    """Device updates that failed or were rolled back since ``since``."""
    return DeviceUpdate.objects.filter(status__in=FAILURE_STATUSES, finished_at__gte=since)


def attention(limit: int, now: datetime | None = None) -> Attention:
    """What a release manager should look at now: automatic pauses, failed artifacts, failing devices."""
    since = (now or timezone.now()) - FAILING_WINDOW
    paused = auto_paused_rollouts().select_related("release__module__product").order_by("-updated_at")
    artifacts = Artifact.objects.filter(state=ArtifactState.FAILED)
    # Every release with failures in the window, most first: their sum is the total (one query, no COUNT).
    by_release = list(failing_updates(since).order_by()
                      .values("release_id", "release__product__key", "release__module__name", "release__version")
                      .annotate(devices=Count("pk")).order_by("-devices", "release__version"))
    return Attention(
        auto_paused=list(paused[:limit]), auto_paused_total=paused.count(),
        failed_artifacts=list(artifacts.select_related("release__module__product", "candidate_for__module__product")
                              .order_by("-updated_at")[:limit]),
        failed_artifacts_total=artifacts.count(),
        failing=[FailingRelease(str(row["release_id"]), f"{row['release__product__key']}/"
                                f"{row['release__module__name']} {row['release__version']}", row["devices"])
                 for row in by_release[:limit]],
        failing_devices=sum(row["devices"] for row in by_release), since=since,
    )
