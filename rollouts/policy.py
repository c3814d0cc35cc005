"""The rollout policy of a product as plain data, built in four queries and cached in Redis.

A check-in reads the snapshot of the device's product from the shared cache,
no SQL: the generation comes with the device's session in one round trip to the
edge store (devices.session, otaportal.edge), and the snapshot of that generation
is kept unpickled in each process. Every change to a product, release, artifact,
rollout, rollout filter, phase or device filter bumps the product's generation
once the transaction commits (see rollouts.signals), so the next check-in
rebuilds it, and every answer remembered under the old one is stale. A snapshot built from rows
read just before a change lands under the old generation, which nobody reads
any more. A time-to-live (``OTA_POLICY_CACHE_TTL``) bounds the damage of a
change made without signals (a bulk ``update()``).

Building a product's snapshot never fails as a whole: a release whose policy cannot be built or
pickled (a specification nested too deep, written around validation) is left out, logged, and
recorded under ``left_out_key`` for the admin's release page (``left_out``).
"""

import json
import logging
import pickle
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from catalog.choices import ReleaseStatus
from catalog.models import Release
from otaportal.edge import store
from otaportal.process_caches import POLICY_SNAPSHOTS
from rollouts.models import MaintenanceWindow, RolloutFilter, RolloutPhase, RolloutState, Strategy, UpdateType
from rollouts.windows import next_change

FULL_PERCENTAGE = Decimal(100)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilterPolicy:
    filter_id: str
    name: str
    conditions: tuple
    rollout_date: datetime | None


@dataclass(frozen=True)
class WindowPolicy:
    """A maintenance window (rollouts.windows): opens at each moment ``schedule`` names, for ``duration``."""

    schedule: str
    duration: timedelta
    time_zone: str


@dataclass(frozen=True)
class PhasePolicy:
    position: int
    percentage: Decimal


@dataclass(frozen=True)
class ReleasePolicy:
    """Everything the decision needs about one release."""

    release_id: str
    product_id: int
    product_key: str
    version: str
    version_key: str
    module: str
    package_type: str
    status: str
    allowed_sources: frozenset
    min_agent_version: str
    strategy: str
    state: str
    state_reason: str
    skip_dispatching: bool
    update_type: str
    forced_at: datetime | None  # timeforced: soft until then
    max_attempts: int
    retry_backoff: timedelta
    retry_rolled_back: bool
    offers_per_minute: int | None  # the rate budget (rollouts.services.budget); None: no limit
    rate_growth_factor: Decimal | None
    rate_growth_every: int | None
    requires_confirmation: bool
    windows: tuple  # of WindowPolicy: the rollout's own, else its product's; () installs any time
    rollout_id: int | None
    filters: tuple  # of FilterPolicy
    phases: tuple  # of PhasePolicy, by position
    current_phase: int
    artifact_id: int | None
    artifact_state: str | None
    file_name: str
    file_size: int | None
    sha256: str
    specification: object
    custom_info: str

    # Cached on the snapshot (which is immutable): the decision reads them for every release on every check-in.
    @cached_property
    def phase_percentage(self) -> Decimal:
        """The share of devices the rollout reaches now: the phase in force, 100 % without phases.

        A completed rollout stays at its last phase's percentage: end with a 100 % phase to reach all.
        """
        phase = self.phase_in_force
        return FULL_PERCENTAGE if phase is None else phase.percentage

    @cached_property
    def phase_percentage_text(self) -> str:
        """The phase percentage as people write it: ``1``, ``12.5``."""
        return f"{self.phase_percentage.normalize():f}"

    @cached_property
    def phase_in_force(self) -> PhasePolicy | None:
        if not self.phases:
            return None
        in_force = [phase for phase in self.phases if phase.position <= self.current_phase]
        return in_force[-1] if in_force else self.phases[0]

    @property
    def phase_position(self) -> int:
        phase = self.phase_in_force
        return 0 if phase is None else phase.position


@dataclass(frozen=True)
class ProductPolicy:
    product_id: int
    releases: tuple  # of ReleasePolicy that could be offered, highest version first
    generation: str = "0"  # the product's policy generation it was built under
    product_windows: tuple = ()  # of WindowPolicy: the product's maintenance windows
    # (rollout id, tuple of WindowPolicy) for every rollout of the product with windows of its own,
    # offering or not: a device finishes an update it started under a paused rollout in its windows.
    rollout_windows: tuple = ()

    @cached_property
    def scheduled_moments(self) -> tuple:
        """Every filter's rollout date and time-forced rollout's forced time, in order: the moments
        the decision or an offer's handling changes by itself."""
        return tuple(sorted({rule.rollout_date for release in self.releases for rule in release.filters
                             if rule.rollout_date is not None}
                            | {release.forced_at for release in self.releases
                               if release.update_type == UpdateType.TIMEFORCED and release.forced_at is not None}))

    @cached_property
    def all_windows(self) -> frozenset:
        """Each distinct set of maintenance windows in force for some rollout of the product."""
        return frozenset([self.product_windows, *(own for _, own in self.rollout_windows)]) - {()}

    def windows_of(self, rollout_id: int | None) -> tuple:
        """The rollout's own maintenance windows, else its product's."""
        return dict(self.rollout_windows).get(rollout_id) or self.product_windows

    def holds_until(self, now: datetime) -> datetime | None:
        """When a decision or handling given now may change with no change to any row, if ever: a rollout
        date or forced time comes, a maintenance window opens or closes (rollouts.windows)."""
        scheduled = next((moment for moment in self.scheduled_moments if moment > now), None)
        edges = (next_change(some, now) for some in self.all_windows)
        return min((moment for moment in (scheduled, *edges) if moment is not None), default=None)


def offerable(queryset):
    """Releases that could be offered at all: active, not suspended, rollout running or completed.

    A shortcut only: the decision checks the same rules again on each release.
    """
    return (
        queryset.filter(status=ReleaseStatus.ACTIVE, rollout__state__in=[RolloutState.RUNNING, RolloutState.COMPLETED])
        .exclude(rollout__strategy=Strategy.SUSPENDED)
    )


def build(releases) -> list[ReleasePolicy]:
    """ReleasePolicy for every release of the queryset, in four queries whatever their number."""
    rows, filters, phases, windows = _load(releases)
    return [_release_policy(release, filters, phases, windows) for release in rows]


def _load(releases) -> tuple[list, dict, dict, dict]:
    """The releases with their product, module, rollout and artifact; their filters, phases and maintenance
    windows by rollout, the windows of their products by ``("product", id)``.

    The specification comes as JSON text, decoded for each release in ``_release_policy``: one nested
    too deep to decode then fails that release alone, not the query of all.
    """
    rows = list(
        releases.select_related("product", "module", "rollout", "artifact")
        .defer("specification").annotate(specification_text=Cast("specification", TextField()))
        .order_by("-version_key", "-version")
    )
    rollout_ids = [release.rollout.pk for release in rows if rollout_of(release)]
    filters, phases = {}, {}
    for link in RolloutFilter.objects.filter(rollout_id__in=rollout_ids).select_related("filter"):
        filters.setdefault(link.rollout_id, []).append(FilterPolicy(
            str(link.filter_id), link.filter.name, tuple(link.filter.conditions or ()), link.rollout_date,
        ))
    for phase in RolloutPhase.objects.filter(rollout_id__in=rollout_ids).order_by("position"):
        phases.setdefault(phase.rollout_id, []).append(PhasePolicy(phase.position, phase.percentage))
    windows = {}
    product_ids = {release.product_id for release in rows}
    # Every rollout's of these products, offering or not (ProductPolicy.rollout_windows).
    for window in MaintenanceWindow.objects.filter(Q(rollout__release__product_id__in=product_ids)
                                                   | Q(product_id__in=product_ids)):
        owner = window.rollout_id if window.rollout_id is not None else ("product", window.product_id)
        windows.setdefault(owner, []).append(WindowPolicy(window.schedule, window.duration, window.time_zone))
    return rows, filters, phases, windows


def build_snapshot(product_id, generation: str = "0") -> tuple[ProductPolicy, dict[str, str]]:
    """The product's snapshot of offerable releases, and why each release left out of it was left out.

    A release is left out when its policy cannot be built or pickled into the cache: one release's
    data must never take every check-in of its product down.
    """
    rows, filters, phases, windows = _load(offerable(Release.objects.filter(product_id=product_id)))
    policies, left_out = [], {}
    for release in rows:
        try:
            release_policy = _release_policy(release, filters, phases, windows)
            # Pickled as the cache will pickle it, inside a snapshot, to fail here rather than there.
            pickle.dumps(ProductPolicy(product_id, (release_policy,), generation), pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # any failure of one release's data: see the docstring
            logger.exception("Release %s is left out of the rollout policy of product %s", release.pk, product_id)
            left_out[str(release.pk)] = f"{type(error).__name__}: {error}"
            continue
        policies.append(release_policy)
    own_windows = tuple((owner, tuple(some)) for owner, some in windows.items() if not isinstance(owner, tuple))
    return ProductPolicy(product_id, tuple(policies), generation,
                         tuple(windows.get(("product", product_id), ())), own_windows), left_out


def rollout_of(release):
    try:
        return release.rollout
    except Release.rollout.RelatedObjectDoesNotExist:
        return None


def _release_policy(release, filters, phases, windows) -> ReleasePolicy:
    rollout = rollout_of(release)
    artifact = release.artifact_or_none
    own_windows = windows.get(rollout.pk) if rollout else None
    return ReleasePolicy(
        release_id=str(release.pk),
        product_id=release.product_id,
        product_key=release.product.key,
        version=release.version,
        version_key=release.version_key,
        module=release.module.name,
        package_type=release.package_type,
        status=release.status,
        allowed_sources=frozenset(release.allowed_source_versions or ()),
        min_agent_version=release.min_agent_version,
        strategy=rollout.strategy if rollout else Strategy.SUSPENDED,
        state=rollout.state if rollout else RolloutState.DRAFT,
        state_reason=rollout.state_reason if rollout else "",
        skip_dispatching=rollout.skip_dispatching_to_endpoint if rollout else False,
        update_type=rollout.update_type if rollout else UpdateType.FORCED,
        forced_at=rollout.forced_at if rollout else None,
        max_attempts=rollout.max_attempts if rollout else 1,
        retry_backoff=rollout.retry_backoff if rollout else timedelta(0),
        retry_rolled_back=rollout.retry_rolled_back if rollout else False,
        offers_per_minute=rollout.offers_per_minute if rollout else None,
        rate_growth_factor=rollout.rate_growth_factor if rollout else None,
        rate_growth_every=rollout.rate_growth_every if rollout else None,
        requires_confirmation=rollout.requires_confirmation if rollout else False,
        windows=tuple(own_windows or windows.get(("product", release.product_id), ())),
        rollout_id=rollout.pk if rollout else None,
        filters=tuple(filters.get(rollout.pk, ())) if rollout else (),
        phases=tuple(phases.get(rollout.pk, ())) if rollout else (),
        current_phase=rollout.current_phase if rollout else 0,
        artifact_id=artifact.pk if artifact else None,
        artifact_state=artifact.state if artifact else None,
        file_name=artifact.file_name if artifact else "",
        file_size=(artifact.size if artifact.size is not None else artifact.declared_size) if artifact else None,
        sha256=(artifact.sha256 or artifact.declared_sha256) if artifact else "",
        specification=None if release.specification_text is None else json.loads(release.specification_text),
        custom_info=release.custom_info,
    )


def for_release(release) -> ReleasePolicy:
    """The policy of one release, read fresh from the database (explain, APIs)."""
    return build(Release.objects.filter(pk=release.pk))[0]


# --- the per-product cache -------------------------------------------------------------------

def left_out_key(product_id) -> str:
    return f"rollouts:policy:{product_id}:left-out"


def left_out(release) -> str | None:
    """Why the release was left out of its product's last snapshot, if it was."""
    return (cache.get(left_out_key(release.product_id)) or {}).get(str(release.pk))


def invalidate(*product_ids) -> None:
    """Make the next read of these products' policy rebuild it, and every answer decided under it stale."""
    store().bump(products=product_ids)


def for_product(product_id, generation: str | None = None) -> ProductPolicy:
    """The cached snapshot of the product's offerable releases (built on a miss).

    ``generation``: the product's policy generation when the caller already read it (a device
    session reads it in its round trip); the snapshot says which generation it is of.
    """
    generation = store().generation(product_id) if generation is None else generation
    snapshot_key = f"rollouts:policy:{product_id}:{generation}"
    # Kept unpickled in this process too: a changed policy has a new generation, hence a new key,
    # and one Redis read and the unpickling of the snapshot are saved on each check-in.
    local = POLICY_SNAPSHOTS.get(snapshot_key)
    if local is not None:
        return local
    snapshot = cache.get(snapshot_key)
    if snapshot is None:
        snapshot, failures = build_snapshot(product_id, generation)
        cache.set(snapshot_key, snapshot, timeout=settings.OTA_POLICY_CACHE_TTL)
        # Kept until the next snapshot says otherwise: the admin shows it as long as it holds.
        if failures:
            cache.set(left_out_key(product_id), failures, timeout=None)
        else:
            cache.delete(left_out_key(product_id))
    POLICY_SNAPSHOTS.put(snapshot_key, snapshot)
    return snapshot
