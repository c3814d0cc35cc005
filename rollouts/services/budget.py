"""A rollout's rate budget: at most N new offers a minute, growing with its successes.

AWS IoT Jobs' ``maximumPerMinute`` and its exponential rate: a rollout with
``offers_per_minute`` makes at most that many new offers a minute, over every
web process and host; with ``rate_growth_factor`` and ``rate_growth_every`` the
allowance is multiplied by the factor after each ``rate_growth_every`` successes
of its release::

    allowed = offers_per_minute × rate_growth_factor ** (successes // rate_growth_every)

at most MAX_OFFERS_PER_MINUTE. A new offer is one ``make_offer`` writes
(rollouts.services.checkin.is_new_offer): a first offer, or a new attempt of an
update that ended (a retry, an offer again after a restart). An offer already
made is never counted nor refused, whatever the budget says. A device refused
is answered "nothing now" (check-in 204, DDI no deploymentBase), nothing is
written for it, and its remembered answer holds until the next minute begins
(``next_minute``), when it is asked again. The answer names one release: a device
whose most urgent module is refused is answered nothing even if another
module's rollout has budget left, and gets that one next minute.

Where it is counted (otaportal.edge):

- ``ota:budget:<rollout id>:<minute>``: the new offers of the minute, taken by
  a Lua script in ONE round trip per new offer, which also computes the
  allowance from the stored success count. Without Redis the cache fallback
  does the same less atomically (it may exceed a budget by its processes).
- ``ota:successes:<release id>``: the release's updates in SUCCESS_STATUSES.
  The hot path never counts them with SQL. The count follows each update that
  enters or leaves a success status once its transaction commits
  (rollouts.services.feedback); beat sets it from SQL every minute for every
  running rollout that grows (``recount``), and the progress page and the
  management API rebuild it when it is missing. After a Redis restart a
  missing count reads as none: the budget is its base rate, never more than
  was allowed, until the next recount.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count

from otaportal.edge import MAX_GROWTH_STEPS, OfferRate, store, window_of
from rollouts.models import MAX_OFFERS_PER_MINUTE, SUCCESS_STATUSES, DeviceUpdate, Rollout, RolloutState
from rollouts.policy import ReleasePolicy


def rate_of(offers_per_minute: int | None, growth_factor: Decimal | None, growth_every: int | None
            ) -> OfferRate | None:
    """The budget these rollout fields set; None: no budget."""
    if offers_per_minute is None:
        return None
    return OfferRate(offers_per_minute, None if growth_factor is None else float(growth_factor),
                     growth_every if growth_factor is not None else None, MAX_OFFERS_PER_MINUTE)


def admit(release: ReleasePolicy, now: datetime) -> bool:
    """Whether the rollout's budget admits one more new offer of the release this minute (taking it if so)."""
    rate = rate_of(release.offers_per_minute, release.rate_growth_factor, release.rate_growth_every)
    if rate is None:
        return True
    return store().offer_budget(release.rollout_id, release.release_id, rate, now.timestamp(), take=True).admitted


def next_minute(now: datetime) -> datetime:
    """When the budget's minute after ``now`` begins: a refused device's answer holds until then."""
    return datetime.fromtimestamp((window_of(now.timestamp()) + 1) * 60, tz=now.tzinfo)


@dataclass(frozen=True)
class Budget:
    """A rollout's budget as the progress page, the API and the commands show it."""

    offers_per_minute: int
    growth_factor: Decimal | None
    growth_every: int | None
    successes: int
    allowed_per_minute: int
    used_this_minute: int

    @property
    def growth(self) -> Decimal:
        """How far the budget grew: the factor to the power of the steps its successes made."""
        if self.growth_factor is None:
            return Decimal(1)
        return self.growth_factor ** min(self.successes // self.growth_every, MAX_GROWTH_STEPS)

    def describe(self) -> str:
        """``budget: 225/min (grown ×2.25 after 40 successes; ×1.5 every 20), used this minute: 7``."""
        growth = ""
        if self.growth_factor is not None:
            growth = (f" (grown ×{self.growth:.2f} after {self.successes} successes; "
                      f"×{self.growth_factor.normalize():f} every {self.growth_every})")
        return f"budget: {self.allowed_per_minute}/min{growth}, used this minute: {self.used_this_minute}"


def budget_of(rollout: Rollout, now: datetime) -> Budget | None:
    """The rollout's budget this minute, or None without one; rebuilds a missing success count (one query)."""
    rate = rate_of(rollout.offers_per_minute, rollout.rate_growth_factor, rollout.rate_growth_every)
    if rate is None:
        return None
    read = store().offer_budget(rollout.pk, rollout.release_id, rate, now.timestamp(), take=False)
    if read.successes is None and rate.growth_factor is not None:
        store().set_successes(rollout.release_id, successes_of([rollout.release_id])[str(rollout.release_id)])
        read = store().offer_budget(rollout.pk, rollout.release_id, rate, now.timestamp(), take=False)
    return Budget(rollout.offers_per_minute, rollout.rate_growth_factor, rollout.rate_growth_every,
                  read.successes or 0, read.allowed, read.used)


def successes_of(release_ids) -> dict[str, int]:
    """{release id: its updates in a success status}, in one query."""
    counted = dict(DeviceUpdate.objects.filter(release_id__in=release_ids, status__in=SUCCESS_STATUSES)
                   .order_by().values("release_id").annotate(n=Count("pk")).values_list("release_id", "n"))
    return {str(release_id): counted.get(release_id, 0) for release_id in release_ids}


def count_success_change(release_id, before: str, after: str) -> None:
    """Follow an update's move from ``before`` to ``after`` in its release's success count (call on commit)."""
    delta = (after in SUCCESS_STATUSES) - (before in SUCCESS_STATUSES)
    if delta:
        store().count_successes(release_id, delta)


def recount() -> int:
    """Set the success count of every running rollout that grows from SQL (beat); how many were set."""
    growing = Rollout.objects.filter(state=RolloutState.RUNNING, offers_per_minute__isnull=False,
                                     rate_growth_factor__isnull=False).values_list("release_id", flat=True)
    counts = successes_of(list(growing))
    for release_id, count in counts.items():
        store().set_successes(release_id, count)
    return len(counts)
