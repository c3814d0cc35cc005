"""The fleet's catalogue: products, device filters, releases with verified artifacts, rollouts in phases."""

import hashlib
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.choices import ArtifactState, PackageType, ReleaseStatus
from catalog.models import Artifact, Module, Product, Release
from catalog.versioning import version_key
from rollouts.models import DeviceFilter, Rollout, RolloutFilter, RolloutPhase, RolloutState, Strategy
from rollouts.simulation.profiles import (
    CUSTOMERS,
    HARDWARE,
    MODULES,
    PRODUCT_KINDS,
    REGIONS,
    TAGS,
    FleetError,
    FleetReport,
    FleetSpec,
    ReleaseSlot,
    product_key,
    release_slot,
)

SIMULATED_MARK = "Simulated fleet (manage.py simulate_fleet)."
PHASES = (Decimal("1"), Decimal("10"), Decimal("50"), Decimal("100"))
ARTIFACT_SIZE = 16 * 1024 * 1024


def ensure_products(spec: FleetSpec) -> list[Product]:
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


def ensure_filters(spec: FleetSpec, report: FleetReport) -> list[DeviceFilter]:
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


def ensure_releases(spec: FleetSpec, products: list[Product], report: FleetReport) -> list[Release]:
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


def shape_rollouts(spec: FleetSpec, releases: list[Release], filters: list[DeviceFilter]) -> list[Rollout]:
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
