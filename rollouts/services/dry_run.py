"""Who would be offered a release: the decision's device rules as one grouped SQL query.

Nothing is written. The rules about the release itself (active, file verified)
are reported as ``blockers``; the rules about devices are evaluated by
PostgreSQL exactly as ``decision`` evaluates them in Python: same product,
device active, module reported with an older version, allowed source version,
minimum agent version, filters whose rollout date has passed (targeted), the
stable bucket inside the percentage, and no finished update of the release.
The dry run ignores that a higher eligible version of the module would win.
"""

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from catalog.versioning import at_least, version_key
from devices.models import Device
from rollouts import buckets, conditions, decision, policy
from rollouts.models import DONE_STATUSES, DeviceUpdate, Strategy
from rollouts.services.transitions import clean_percentage


@dataclass(frozen=True)
class DryRunRow:
    product: str
    installed_version: str
    phase: int  # the first phase (position) whose percentage includes the devices
    devices: int


@dataclass(frozen=True)
class DryRun:
    release_id: str
    version: str
    module: str
    strategy: str
    percentage: Decimal
    total: int
    rows: list = field(default_factory=list)
    blockers: list = field(default_factory=list)  # release rules failing now, as "rule: why"

    def as_dict(self):
        return {
            "releaseId": self.release_id, "version": self.version, "module": self.module,
            "strategy": self.strategy, "percentage": float(self.percentage), "total": self.total,
            "blockers": self.blockers,
            "rows": [{"product": row.product, "installedVersion": row.installed_version, "phase": row.phase,
                      "devices": row.devices} for row in self.rows],
        }


def _strategy_for(release_policy) -> str:
    """A suspended rollout is previewed as it would start: targeted when it has filters."""
    if release_policy.strategy != Strategy.SUSPENDED:
        return release_policy.strategy
    return Strategy.TARGETED if release_policy.filters else Strategy.GENERAL


def _boundaries(release_policy, percentage) -> list[tuple[int, int]]:
    """(phase position, buckets covered) for the phases up to ``percentage``."""
    phases = [(phase.position, buckets.buckets_for(phase.percentage)) for phase in release_policy.phases
              if phase.percentage <= percentage]
    if not phases or phases[-1][1] < buckets.buckets_for(percentage):
        position = phases[-1][0] + 1 if phases else 0
        phases.append((position, buckets.buckets_for(percentage)))
    return phases


def eligible_devices(release_policy, *, strategy, now):
    """Devices passing every device rule of the decision except the phase."""
    devices = Device.objects.active().filter(product_id=release_policy.product_id)
    installed = KeyTextTransform(release_policy.module, "installed_versions")
    values_of = conditions.distinct_values_in(devices)
    module_ref = conditions.parse_field(f"installed.{release_policy.module}")
    older = [value for value in values_of(module_ref)
             if isinstance(value, str) and value and version_key(value) < release_policy.version_key]
    if release_policy.allowed_sources:
        older = [value for value in older if value in release_policy.allowed_sources]
    query = module_ref.json_type_is_string() & Q(installed_string__in=older)
    if release_policy.min_agent_version:
        agents = [value for value in values_of(conditions.parse_field("agent_version"))
                  if value and at_least(value, release_policy.min_agent_version)]
        query &= Q(agent_version__in=agents)
    if strategy == Strategy.TARGETED:
        targeted = Q(pk__in=[])
        for rule in release_policy.filters:
            if rule.rollout_date is None or rule.rollout_date <= now:
                targeted |= conditions.to_q(rule.conditions, values_of)
        query &= targeted
    done = DeviceUpdate.objects.filter(device=OuterRef("pk"), release_id=release_policy.release_id,
                                       status__in=DONE_STATUSES)
    return devices.annotate(installed_string=installed).filter(query).filter(~Exists(done))


def dry_run(release, *, percentage=None, phase=None, strategy=None, now: datetime | None = None) -> DryRun:
    """Counts of the devices that would be offered ``release`` at a percentage (or a phase's).

    Without either, the rollout's current percentage. ``strategy`` defaults to
    the rollout's, and for a suspended rollout to the one it would start with.
    """
    release_policy = policy.for_release(release)
    now = now or timezone.now()
    if phase is not None:
        match = [p for p in release_policy.phases if p.position == phase]
        if not match:
            raise ValueError(f"The rollout has no phase {phase}.")
        percentage = match[0].percentage
    percentage = release_policy.phase_percentage if percentage is None else clean_percentage(percentage, "percentage")
    strategy = strategy or _strategy_for(release_policy)
    blockers = []
    for name, rule in decision.RULES[:3]:
        passed, why = rule(release_policy, decision.Subject(decision.release_facts(release_policy), {}, now))
        if not passed:
            blockers.append(f"{name}: {why}")
    count = _count_in_sql if connection.vendor == "postgresql" else _count_in_python
    result = [DryRunRow(release_policy.product_key, installed, phase, devices)
              for (installed, phase), devices in count(release_policy, strategy, percentage, now).items()]
    result.sort(key=lambda row: (row.phase, version_key(row.installed_version), row.installed_version))
    return DryRun(release_policy.release_id, release_policy.version, release_policy.module, strategy, percentage,
                  sum(row.devices for row in result), result, blockers)


def _count_in_sql(release_policy, strategy, percentage, now) -> dict:
    """{(installed version, phase): devices}, grouped by PostgreSQL."""
    bucket = buckets.StableBucket(release_policy.release_id)
    phase_of = Case(*[When(bucket__lt=limit, then=Value(position)) for position, limit in
                      _boundaries(release_policy, percentage)], default=Value(-1), output_field=IntegerField())
    rows = (
        eligible_devices(release_policy, strategy=strategy, now=now)
        .annotate(bucket=bucket).filter(bucket__lt=buckets.buckets_for(percentage))
        .annotate(phase=phase_of).order_by()
        .values("installed_string", "phase").annotate(devices=Count("pk"))
    )
    return {(row["installed_string"], row["phase"]): row["devices"] for row in rows}


def _count_in_python(release_policy, strategy, percentage, now) -> dict:
    """The same counts on databases without PostgreSQL's JSON operators (the embedded SQLite default).

    Runs the decision's own device rules on each device of the product, as the
    policy would stand with this strategy; meant for small fleets.
    """
    as_previewed = replace(release_policy, strategy=strategy)
    device_rules = [rule for name, rule in decision.RULES if name not in ("phase", "rollout state")]
    boundaries = _boundaries(release_policy, percentage)
    counts = Counter()
    devices = Device.objects.active().filter(product_id=release_policy.product_id).select_related("product")
    for device in devices.iterator():
        subject = decision.Subject(decision.device_facts(device),
                                   decision.updates_of(device, [as_previewed.release_id]), now)
        if not all(rule(as_previewed, subject)[0] for rule in device_rules):
            continue
        if not decision.LAST_RULE[1](as_previewed, subject)[0]:
            continue
        bucket = buckets.bucket_of(release_policy.release_id, device.uid)
        phase = next((position for position, limit in boundaries if bucket < limit), None)
        if phase is not None:
            counts[(subject.facts.installed.get(release_policy.module), phase)] += 1
    return counts
