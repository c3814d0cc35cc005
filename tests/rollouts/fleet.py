"""Bulk builders for query-count tests: thousands of releases and devices in a few inserts."""

from catalog.choices import ArtifactState
from catalog.models import Artifact, Release
from catalog.versioning import version_key
from devices.models import Device
from rollouts.models import DeviceFilter, Rollout, RolloutFilter, RolloutPhase, RolloutState, Strategy


def bulk_releases(product, count, *, started=100, prefix="0."):
    """``count`` releases of the default module with verified artifacts; ``started`` of them running
    targeted through two filters each and phased (so the snapshot carries real filters and phases), the
    others drafts."""
    module = product.modules.get(name="default")
    releases = [Release(product=product, module=module, version=f"{prefix}{n}", version_key=version_key(f"{prefix}{n}"))
                for n in range(count)]
    Release.objects.bulk_create(releases, batch_size=1000)
    Artifact.objects.bulk_create([
        Artifact(release=release, storage_key=f"bulk/{release.pk}", file_name="fw.bin", sha256="cd" * 32,
                 declared_sha256="cd" * 32, size=10, declared_size=10, state=ArtifactState.VERIFIED)
        for release in releases
    ], batch_size=1000)
    rollouts = Rollout.objects.bulk_create([
        Rollout(release=release, strategy=Strategy.TARGETED if n < started else Strategy.SUSPENDED,
                state=RolloutState.RUNNING if n < started else RolloutState.DRAFT)
        for n, release in enumerate(releases)
    ], batch_size=1000)
    lab = DeviceFilter.objects.get_or_create(
        name="bulk-lab", defaults={"conditions": [{"field": "attributes.site", "op": "eq", "value": "lab"}]})[0]
    beta = DeviceFilter.objects.get_or_create(
        name="bulk-beta", defaults={"conditions": [{"field": "tags", "op": "contains", "value": "beta"}]})[0]
    running = rollouts[:started]
    RolloutFilter.objects.bulk_create([RolloutFilter(rollout=rollout, filter=f) for rollout in running
                                       for f in (lab, beta)], batch_size=1000)
    RolloutPhase.objects.bulk_create([RolloutPhase(rollout=rollout, position=0, percentage=50, min_soak="0")
                                      for rollout in running], batch_size=1000)
    return releases


def bulk_devices(product, count, *, installed="0.0", prefix="fleet"):
    Device.objects.bulk_create([
        Device(uid=f"{prefix}-{n:06d}", product=product, agent_version="1.0.0",
               attributes={"site": "lab" if n % 2 else "field"}, installed_versions={"default": installed})
        for n in range(count)
    ], batch_size=2000)
