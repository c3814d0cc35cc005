"""A simulated fleet for benchmarks and demos: products, releases, filters, rollouts and devices.

``generate(FleetSpec(devices=N, releases=M))`` grows the fleet named ``spec.name``
to N devices and M releases; running it again with the same numbers changes
nothing, and with bigger ones adds only what is missing, so a benchmark can
measure at 1,000 devices, grow to 100,000 and measure again. Everything is
derived from the device's index, so two runs produce the same fleet.

Devices are written with PostgreSQL's COPY (psycopg 3 ``cursor.copy()``) in
batches, about ten times faster than ``bulk_create``; other databases fall back
to ``bulk_create``. No per-row signals run: the rollout rows that a release's
``post_save`` would make are written here, and the cached rollout policy of the
fleet's products is dropped at the end.

Device tokens are derived, not random: ``device_token(name, index)`` is an HMAC
of the device uid under ``SECRET_KEY``, so a load generator with the same
settings knows every token without any plaintext being stored. Only the
simulated devices have such tokens; they are as secret as ``SECRET_KEY``.
"""

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog import secrets
from catalog.choices import ArtifactState, PackageType, ReleaseStatus
from catalog.models import Artifact, Module, Product, Release
from catalog.versioning import version_key
from devices.models import Device
from rollouts.models import (
    DONE_STATUSES,
    DeviceFilter,
    DeviceUpdate,
    Rollout,
    RolloutFilter,
    RolloutPhase,
    RolloutState,
    Strategy,
    UpdateStatus,
)

SIMULATED_MARK = "Simulated fleet (manage.py simulate_fleet)."
PRODUCT_KINDS = ("gateway", "sensor", "camera", "meter", "tracker", "display", "router", "lock")
MODULES = ("default", "app")
REGIONS = ("eu-west", "eu-central", "us-east", "us-west", "ap-south", "ap-east", "sa-east", "af-south")
HARDWARE = ("rev-a", "rev-b", "rev-c", "rev-d")
CUSTOMERS = tuple(f"customer-{n:02d}" for n in range(40))
TAGS = ("beta", "lab", "field", "pilot", "retail", "industrial", "outdoor", "indoor")
AGENT_VERSIONS = ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0")
# Installed versions are old ones, most devices on the oldest: releases are upgrades.
INSTALLED_WEIGHTS = ((0, 60), (1, 30), (2, 10))
PHASES = (Decimal("1"), Decimal("10"), Decimal("50"), Decimal("100"))
# Share of devices (per mille) that have been offered one of the running rollouts, and where they are.
OFFERED_PER_MILLE = 50
UPDATE_STATUS_WEIGHTS = (
    (UpdateStatus.OFFERED, 15), (UpdateStatus.DOWNLOADING, 10), (UpdateStatus.DOWNLOADED, 5),
    (UpdateStatus.INSTALLING, 5), (UpdateStatus.INSTALLED, 10), (UpdateStatus.COMMITTED, 45),
    (UpdateStatus.FAILED, 6), (UpdateStatus.ROLLED_BACK, 3), (UpdateStatus.REJECTED, 1),
)
ARTIFACT_SIZE = 16 * 1024 * 1024


class FleetError(Exception):
    """The fleet cannot be generated as asked (the message says why)."""


@dataclass(frozen=True)
class FleetSpec:
    devices: int
    releases: int = 10
    rollouts: int = 100
    filters: int = 20
    products: int = 3
    name: str = "sim"
    batch_size: int = 10_000
    prune: bool = False
    # Write devices with COPY (PostgreSQL only); None: whenever the database is PostgreSQL.
    use_copy: bool | None = None

    def __post_init__(self):
        if self.devices < 0 or self.releases < 0 or self.rollouts < 0 or self.filters < 0:
            raise FleetError("Counts cannot be negative.")
        if not 1 <= self.products <= len(PRODUCT_KINDS):
            raise FleetError(f"Give between 1 and {len(PRODUCT_KINDS)} products.")
        if not self.name.replace("-", "").isalnum() or len(self.name) > 20:
            raise FleetError("The fleet name is 1 to 20 letters, digits or hyphens.")
        if self.batch_size < 1:
            raise FleetError("The batch size must be positive.")


@dataclass
class FleetReport:
    devices_created: int = 0
    devices_total: int = 0
    releases_created: int = 0
    releases_deleted: int = 0
    releases_total: int = 0
    filters_created: int = 0
    running_rollouts: int = 0
    updates_created: int = 0
    product_keys: list = field(default_factory=list)


# --- deterministic choices -------------------------------------------------------------------

def _mix(*numbers: int) -> int:
    """A well-spread 64-bit integer from the numbers (splitmix64 steps), stable across runs."""
    state = 0x9E3779B97F4A7C15
    for number in numbers:
        state = (state ^ number) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        state = (state ^ (state >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 31
    return state


def _weighted(choices, roll: int):
    total = sum(weight for _, weight in choices)
    roll %= total
    for value, weight in choices:
        if roll < weight:
            return value
        roll -= weight
    raise AssertionError("unreachable")


def product_key(name: str, position: int) -> str:
    return f"{name}-{PRODUCT_KINDS[position]}"


def device_uid(name: str, index: int) -> str:
    return f"{name}-{index:08d}"


def _token_prefix(name: str, index: int) -> str:
    # Two hex digits name the fleet, ten count the device: unique within the fleet,
    # and a random token's prefix matches one with probability 2**-48.
    return hashlib.sha256(name.encode()).hexdigest()[:2] + f"{index:010x}"


def device_token(name: str, index: int) -> str:
    """The plaintext token of simulated device ``index``: derivable by anyone holding SECRET_KEY."""
    uid = device_uid(name, index)
    mac = hmac.new(settings.SECRET_KEY.encode(), f"simulate_fleet:{uid}".encode(), hashlib.sha256).digest()
    secret = base64.urlsafe_b64encode(mac).decode().rstrip("=")
    return f"{Device.TOKEN_KIND}_{_token_prefix(name, index)}_{secret}"


@dataclass(frozen=True)
class DeviceProfile:
    """What a simulated device is and runs; also what it reports when it checks in."""

    index: int
    uid: str
    product: int  # position of its product in the fleet
    attributes: dict
    tags: list
    agent_version: str
    installed: dict
    last_seen_minutes: int


def device_profile(spec: FleetSpec, index: int) -> DeviceProfile:
    roll = _mix(index, 1)
    tags = [tag for bit, tag in enumerate(TAGS) if (roll >> (8 + bit * 3)) & 7 == 0]
    installed = {module: f"1.{_weighted(INSTALLED_WEIGHTS, _mix(index, 2, slot))}.0"
                 for slot, module in enumerate(MODULES)}
    return DeviceProfile(
        index=index,
        uid=device_uid(spec.name, index),
        product=index % spec.products,
        attributes={
            "region": REGIONS[roll % len(REGIONS)],
            "hardware": HARDWARE[(roll >> 3) % len(HARDWARE)],
            "customer": CUSTOMERS[(roll >> 40) % len(CUSTOMERS)],
            "batch": 2020 + (roll >> 50) % 6,
        },
        tags=tags,
        agent_version=AGENT_VERSIONS[(roll >> 33) % len(AGENT_VERSIONS)],
        installed=installed,
        # Most devices polled recently; a tail has been offline for days.
        last_seen_minutes=(roll >> 20) % 10 if (roll >> 17) % 8 else (roll >> 20) % 20_000,
    )


def check_in_report(profile: DeviceProfile) -> dict:
    """The check-in body the device would post."""
    return {"agentVersion": profile.agent_version, "modules": profile.installed, "attributes": profile.attributes}


@dataclass(frozen=True)
class ReleaseSlot:
    """Release ``index`` of the fleet: which product and module, which version."""

    index: int
    product: int
    module: str
    version: str


def release_slot(spec: FleetSpec, index: int) -> ReleaseSlot:
    lanes = spec.products * len(MODULES)
    lane, generation = index % lanes, index // lanes
    return ReleaseSlot(index, lane % spec.products, MODULES[lane // spec.products], f"1.{generation}.0")


# --- catalog: products, releases, artifacts, rollouts ----------------------------------------

def _products(spec: FleetSpec) -> list[Product]:
    products = []
    for position in range(spec.products):
        key = product_key(spec.name, position)
        product = Product.objects.filter(key=key).first()
        if product is None:
            product = Product.objects.create(key=key, name=f"Simulated {PRODUCT_KINDS[position]}",
                                             description=SIMULATED_MARK)
        elif product.description != SIMULATED_MARK:
            raise FleetError(f"Product {key!r} exists and was not made by simulate_fleet; choose another --name.")
        for module in MODULES:
            Module.objects.get_or_create(product=product, name=module)
        products.append(product)
    return products


def _filter_conditions(spec: FleetSpec, number: int) -> list[dict]:
    templates = [
        lambda n: [{"field": "attributes.region", "op": "eq", "value": REGIONS[n % len(REGIONS)]}],
        lambda n: [{"field": "attributes.region", "op": "in", "value": [REGIONS[n % 8], REGIONS[(n + 3) % 8]]},
                   {"field": "attributes.hardware", "op": "eq", "value": HARDWARE[n % len(HARDWARE)]}],
        lambda n: [{"field": "tags", "op": "contains", "value": TAGS[n % len(TAGS)]}],
        lambda n: [{"field": "attributes.customer", "op": "eq", "value": CUSTOMERS[n % len(CUSTOMERS)]}],
        lambda n: [{"field": "installed.default", "op": "version_lt", "value": "1.2.0"},
                   {"field": "agent_version", "op": "version_gte", "value": "1.2.0"}],
        lambda n: [{"field": "uid", "op": "prefix", "value": f"{spec.name}-0000{n % 10}"}],
        lambda n: [{"field": "product", "op": "eq", "value": product_key(spec.name, n % spec.products)},
                   {"field": "attributes.batch", "op": "in", "value": [2021 + n % 5, 2022 + n % 4]}],
    ]
    return templates[number % len(templates)](number)


def _filters(spec: FleetSpec, report: FleetReport) -> list[DeviceFilter]:
    names = [f"{spec.name}-filter-{number:03d}" for number in range(spec.filters)]
    existing = {item.name: item for item in DeviceFilter.objects.filter(name__in=names)}
    missing = [DeviceFilter(name=name, description=SIMULATED_MARK, conditions=_filter_conditions(spec, number))
               for number, name in enumerate(names) if name not in existing]
    DeviceFilter.objects.bulk_create(missing)
    report.filters_created = len(missing)
    existing.update({item.name: item for item in missing})
    return [existing[name] for name in names]


def _release_row(spec: FleetSpec, slot: ReleaseSlot, products, modules) -> Release:
    product = products[slot.product]
    generation = int(slot.version.split(".")[1])
    return Release(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"simulate_fleet:{spec.name}:{slot.index}"),
        product=product, module=modules[(product.pk, slot.module)], version=slot.version,
        version_key=version_key(slot.version), release_notes=f"Simulated release {slot.version}.",
        # Every fifth release installs only over its two predecessors; every seventh needs a newer agent.
        allowed_source_versions=[f"1.{g}.0" for g in range(max(0, generation - 2), generation)]
        if generation and slot.index % 5 == 4 else [],
        min_agent_version="1.3.0" if slot.index % 7 == 6 else "",
        package_type=PackageType.FIRMWARE if slot.module == "default" else PackageType.SOFTWARE,
        declared_sha256=hashlib.sha256(f"{slot.index}".encode()).hexdigest(), declared_size=ARTIFACT_SIZE,
        status=ReleaseStatus.ACTIVE,
    )


def _artifact_row(release: Release, now: datetime) -> Artifact:
    return Artifact(
        release=release, storage_key=f"simulated/{release.product.key}/{release.module.name}/{release.version}.bin",
        owned=False, file_name=f"{release.module.name}-{release.version}.bin",
        declared_sha256=release.declared_sha256, declared_size=ARTIFACT_SIZE, sha256=release.declared_sha256,
        size=ARTIFACT_SIZE, state=ArtifactState.VERIFIED, verified_at=now,
    )


def _releases(spec: FleetSpec, products: list[Product], report: FleetReport) -> list[Release]:
    """The fleet's releases by index: created when missing, the ones past ``spec.releases`` pruned if asked."""
    modules = {(module.product_id, module.name): module for module in Module.objects.filter(product__in=products)}
    existing = {(release.product_id, release.module.name, release.version): release
                for release in Release.objects.filter(product__in=products).select_related("module", "product")}
    slots = [release_slot(spec, index) for index in range(spec.releases)]
    wanted = {(products[slot.product].pk, slot.module, slot.version) for slot in slots}
    if spec.prune:
        extra = [release.pk for key, release in existing.items() if key not in wanted]
        report.releases_deleted = Release.objects.filter(pk__in=extra).delete()[1].get("catalog.Release", 0)
    now = timezone.now()
    new = [_release_row(spec, slot, products, modules) for slot in slots
           if (products[slot.product].pk, slot.module, slot.version) not in existing]
    Release.objects.bulk_create(new, batch_size=1000)
    Artifact.objects.bulk_create([_artifact_row(release, now) for release in new], batch_size=1000)
    report.releases_created = len(new)
    by_key = {**existing, **{(r.product_id, r.module.name, r.version): r for r in new}}
    return [by_key[(products[slot.product].pk, slot.module, slot.version)] for slot in slots]


def _shape_rollouts(spec: FleetSpec, releases: list[Release], filters: list[DeviceFilter]) -> list[Rollout]:
    """The newest ``spec.rollouts`` releases roll out (general or targeted, in phases); older ones are held.

    Reshaped on every run so that growing the catalogue moves the running rollouts to the newest releases.
    """
    now = timezone.now()
    running_ids = {release.pk for release in releases[-spec.rollouts:]} if spec.rollouts else set()
    rollouts = {rollout.release_id: rollout for rollout in Rollout.objects.filter(release__in=releases)}
    missing = [Rollout(release=release) for release in releases if release.pk not in rollouts]
    Rollout.objects.bulk_create(missing)
    rollouts.update({rollout.release_id: rollout for rollout in missing})
    RolloutPhase.objects.filter(rollout__in=rollouts.values()).delete()
    RolloutFilter.objects.filter(rollout__in=rollouts.values()).delete()
    phases, links, running = [], [], []
    for number, release in enumerate(releases):
        rollout = rollouts[release.pk]
        rollout.state, rollout.current_phase, rollout.phase_started_at = RolloutState.RUNNING, 0, None
        rollout.strategy = Strategy.SUSPENDED
        if release.pk in running_ids:
            targeted = number % 5 in (1, 3) and filters
            rollout.strategy = Strategy.TARGETED if targeted else Strategy.GENERAL
            rollout.current_phase = number % len(PHASES)
            rollout.phase_started_at = now - timedelta(hours=1 + number % 48)
            phases += [RolloutPhase(rollout=rollout, position=position, percentage=percentage,
                                    min_soak=timedelta(hours=24)) for position, percentage in enumerate(PHASES)]
            if targeted:
                chosen = {filters[number % len(filters)], filters[(number * 7 + 3) % len(filters)]}
                # Most filters' dates have passed; one in six opens tomorrow.
                links += [RolloutFilter(rollout=rollout, filter=item,
                                        rollout_date=now + timedelta(days=1 if (number + k) % 6 == 0 else -3))
                          for k, item in enumerate(sorted(chosen, key=lambda f: f.name))]
            running.append(rollout)
    Rollout.objects.bulk_update(rollouts.values(), ["state", "strategy", "current_phase", "phase_started_at"],
                                batch_size=1000)
    RolloutPhase.objects.bulk_create(phases, batch_size=1000)
    RolloutFilter.objects.bulk_create(links, batch_size=1000)
    return running


# --- devices and their updates ----------------------------------------------------------------

def _device_rows(spec: FleetSpec, products: list[Product], start: int, stop: int, now: datetime) -> Iterator[dict]:
    for index in range(start, stop):
        profile = device_profile(spec, index)
        token = device_token(spec.name, index)
        yield {
            "uid": profile.uid, "product_id": products[profile.product].pk, "name": f"Simulated {profile.uid}",
            "attributes": profile.attributes, "tags": profile.tags, "agent_version": profile.agent_version,
            "installed_versions": profile.installed, "last_seen_at": now - timedelta(minutes=profile.last_seen_minutes),
            "last_seen_address": f"10.{index >> 16 & 255}.{index >> 8 & 255}.{index & 255}", "is_active": True,
            "token_prefix": _token_prefix(spec.name, index), "token_digest": secrets.digest_of(token),
            "token_rotated_at": now, "created_at": now, "updated_at": now,
        }


def _update_rows(spec: FleetSpec, ids_by_uid: dict, running_by_lane: dict, start: int, stop: int,
                 now: datetime) -> Iterator[dict]:
    for index in range(start, stop):
        roll = _mix(index, 5)
        if roll % 1000 >= OFFERED_PER_MILLE:
            continue
        profile = device_profile(spec, index)
        module = MODULES[(roll >> 10) % len(MODULES)]
        candidates = running_by_lane.get((profile.product, module))
        if not candidates:
            continue
        rollout = candidates[(roll >> 12) % len(candidates)]
        status = _weighted(UPDATE_STATUS_WEIGHTS, roll >> 20)
        offered = now - timedelta(minutes=(roll >> 40) % 2880)
        yield {
            "device_id": ids_by_uid[profile.uid], "release_id": rollout.release_id,
            "phase": (roll >> 30) % (rollout.current_phase + 1), "from_version": profile.installed[module],
            "status": status, "reason": "simulated failure" if status == UpdateStatus.FAILED else "",
            "attempt": 1, "offered_at": offered, "updated_at": offered + timedelta(minutes=5),
            "finished_at": offered + timedelta(minutes=20) if status in DONE_STATUSES else None,
        }


def _column_defaults(model, given: set) -> dict:
    """Values for the columns the generator does not set (fields other apps may add later)."""
    return {f.column: f.get_default() for f in model._meta.concrete_fields
            if not f.primary_key and f.column not in given}


def _copy_value(value):
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return value


def _write_rows(model, rows: list[dict], use_copy: bool) -> int:
    """Insert rows (column → value) with COPY, or with bulk_create."""
    if not rows:
        return 0
    defaults = _column_defaults(model, set(rows[0]))
    if use_copy:
        columns = list(rows[0]) + list(defaults)
        sql = f'COPY {model._meta.db_table} ({", ".join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            extra = [_copy_value(value) for value in defaults.values()]
            for row in rows:
                copy.write_row([_copy_value(value) for value in row.values()] + extra)
    else:
        attnames = {f.column: f.attname for f in model._meta.concrete_fields}
        model.objects.bulk_create([model(**{attnames[c]: v for c, v in {**defaults, **row}.items()}) for row in rows],
                                  batch_size=500)
    return len(rows)


def _existing_device_count(spec: FleetSpec) -> int:
    """Devices are made in index order, so the highest uid tells how far an earlier run got."""
    last = Device.objects.filter(uid__startswith=f"{spec.name}-").order_by("-uid").values_list("uid", flat=True).first()
    return 0 if last is None else int(last.rsplit("-", 1)[1]) + 1


def _devices(spec: FleetSpec, products, running: list[Rollout], report: FleetReport,
             progress: Callable[[int, int], None] | None) -> None:
    start = _existing_device_count(spec)
    stop = max(start, spec.devices)
    running_by_lane: dict = {}
    positions = {product.pk: position for position, product in enumerate(products)}
    for rollout in running:
        lane = (positions[rollout.release.product_id], rollout.release.module.name)
        running_by_lane.setdefault(lane, []).append(rollout)
    use_copy = connection.vendor == "postgresql" if spec.use_copy is None else spec.use_copy
    if use_copy and connection.vendor != "postgresql":
        raise FleetError("COPY needs PostgreSQL.")
    for batch_start in range(start, stop, spec.batch_size):
        batch_stop = min(stop, batch_start + spec.batch_size)
        now = timezone.now()
        with transaction.atomic():
            devices = list(_device_rows(spec, products, batch_start, batch_stop, now))
            report.devices_created += _write_rows(Device, devices, use_copy)
            ids_by_uid = dict(Device.objects.filter(
                uid__gte=device_uid(spec.name, batch_start), uid__lte=device_uid(spec.name, batch_stop - 1),
            ).values_list("uid", "id"))
            updates = list(_update_rows(spec, ids_by_uid, running_by_lane, batch_start, batch_stop, now))
            report.updates_created += _write_rows(DeviceUpdate, updates, use_copy)
        if progress:
            progress(batch_stop - batch_start, stop - start)
    report.devices_total = stop


def _invalidate_policy(products) -> None:
    try:
        from rollouts import policy
    except ImportError:  # the policy cache is not there: nothing to drop
        return
    invalidate = getattr(policy, "invalidate", None)
    if invalidate is not None:
        invalidate(*[product.pk for product in products])


def _analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Device, DeviceUpdate, Release, Rollout, RolloutPhase, RolloutFilter):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


def generate(spec: FleetSpec, progress: Callable[[int, int], None] | None = None) -> FleetReport:
    """Grow the fleet ``spec.name`` to the spec; ``progress(done, total)`` is called after each device batch."""
    report = FleetReport()
    with transaction.atomic():
        products = _products(spec)
        filters = _filters(spec, report)
        releases = _releases(spec, products, report)
        running = _shape_rollouts(spec, releases, filters)
    running = list(Rollout.objects.filter(pk__in=[r.pk for r in running]).select_related("release__module"))
    _devices(spec, products, running, report, progress)
    _invalidate_policy(products)
    _analyze()
    report.releases_total = len(releases)
    report.running_rollouts = len(running)
    report.product_keys = [product.key for product in products]
    return report
