"""Software as Kaa's orchestrator knows it: a release of a product's ``default`` module with its policy.

The Kaa OTAO API (rollouts/api/kaa/) and anything else that edits a release and
its rollout policy in one step goes through these functions, which keep the
release, its rollout and the rollout's filters consistent in one transaction.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from catalog.models import DEFAULT_MODULE, Module, Product, Release
from catalog.services import artifacts
from catalog.services.releases import register_release
from devices.models import Device
from rollouts.models import (
    DeviceFilter,
    DeviceUpdate,
    EventKind,
    Rollout,
    RolloutFilter,
    RolloutState,
    Strategy,
    UpdateStatus,
)
from rollouts.services import transitions

# Kaa's strategies that offer the release: setting one on a draft is what starts it.
LIVE_STRATEGIES = (Strategy.TARGETED, Strategy.GENERAL)
# A device with an update in one of these states may still download or boot the
# release: deleting it then would pull the file from under the device.
UPDATE_IN_PROGRESS = (
    UpdateStatus.OFFERED, UpdateStatus.DOWNLOADING, UpdateStatus.DOWNLOADED,
    UpdateStatus.INSTALLING, UpdateStatus.INSTALLED,
)


class NotFound(Exception):
    """What the request names does not exist (Kaa answers 404 with the message)."""


class ApplicationNotFound(NotFound):
    def __init__(self, key: str):
        super().__init__(f"Application {key!r} not found.")


class SoftwareNotFound(NotFound):
    def __init__(self, key: str, version: str):
        super().__init__(f"Software version {version!r} not found in application {key!r}.")


class EndpointNotFound(NotFound):
    def __init__(self, uid: str):
        super().__init__(f"Endpoint {uid!r} not found.")


class EndpointSoftwareUnknown(NotFound):
    """The endpoint reports no version of its default module, or one its application has no software for."""


class SoftwareInUse(Exception):
    """The release runs on, or is being installed by, at least one device."""

    def __init__(self, release: Release, running: int, installing: int):
        super().__init__(
            f"Software version {release.version!r} is used by endpoints: {running} run it, "
            f"{installing} are installing it."
        )
        self.running, self.installing = running, installing


@dataclass(frozen=True)
class FilterSchedule:
    """One filter of a targeted rollout and when devices matching it start getting the release."""

    filter_id: uuid.UUID
    rollout_date: datetime | None = None


@dataclass(frozen=True)
class PolicyChange:
    """What a write sets on the rollout; ``None`` leaves a field as it is."""

    strategy: str | None = None
    filters: list[FilterSchedule] | None = None
    skip_dispatching_to_endpoint: bool | None = None


def product_for(key: str) -> Product:
    product = Product.objects.filter(key=key).first()
    if product is None:
        raise ApplicationNotFound(key)
    return product


def software_of(product: Product):
    """The releases of the product's default module, with everything their representation needs."""
    filters = Prefetch("rollout__rollout_filters", queryset=RolloutFilter.objects.order_by("rollout_date", "id"))
    return (
        Release.objects.filter(product=product, module__name=DEFAULT_MODULE)
        .select_related("product", "artifact", "rollout")
        .prefetch_related(filters)
        .order_by("version_key", "version")
    )


def get_software(product_key: str, version: str) -> Release:
    product = product_for(product_key)
    release = software_of(product).filter(version=version).first()
    if release is None:
        raise SoftwareNotFound(product_key, version)
    return release


def rollout_of(release: Release) -> Rollout | None:
    try:
        return release.rollout
    except Release.rollout.RelatedObjectDoesNotExist:
        return None


def create_software(product: Product, version: str, *, policy: PolicyChange, actor=None,
                    **release_fields) -> Release:
    """Register a release of the product's default module together with its rollout policy.

    Raises ReleaseExists for a version already registered and ValidationError for
    bad values; nothing is written then.
    """
    module = Module.objects.get(product=product, name=DEFAULT_MODULE)
    with transaction.atomic():
        release = register_release(module, version, **release_fields)
        _apply_policy(release, policy, actor=actor, kind=EventKind.CREATED)
    return release


def update_software(release: Release, *, policy: PolicyChange, actor=None, **release_fields) -> Release:
    """Change the release's free fields and its policy atomically (fields not given stay as they are)."""
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        for name, value in release_fields.items():
            setattr(release, name, value)
        if release_fields:
            release.full_clean(validate_unique=False)
            release.save(update_fields=[*release_fields, "updated_at"])
        _apply_policy(release, policy, actor=actor, kind=EventKind.POLICY_CHANGED)
    return release


def _apply_policy(release: Release, policy: PolicyChange, *, actor, kind: str) -> Rollout:
    """Write the policy; a draft given ``targeted`` or ``general`` is started, as in Kaa (docs/kaa.md)."""
    # rollouts.signals makes the rollout of every new release; get_or_create covers rows made without signals.
    rollout, _ = Rollout.objects.get_or_create(release=release)
    changes = {}
    if policy.skip_dispatching_to_endpoint is not None:
        changes["skip_dispatching_to_endpoint"] = policy.skip_dispatching_to_endpoint
    if policy.filters is not None:
        changes["filters"] = _filter_specs(policy.filters)
    starts = rollout.state == RolloutState.DRAFT and policy.strategy in LIVE_STRATEGIES
    if policy.strategy is not None and not starts:
        changes["strategy"] = policy.strategy
    rollout = transitions.set_policy(rollout, actor=actor, kind=kind, **changes)
    return transitions.start(rollout, strategy=policy.strategy, actor=actor) if starts else rollout


def _filter_specs(schedules: list[FilterSchedule]) -> list[transitions.FilterSpec]:
    """The filters the schedules name, refused with every unknown id named."""
    known = DeviceFilter.objects.in_bulk([schedule.filter_id for schedule in schedules])
    unknown = [str(schedule.filter_id) for schedule in schedules if schedule.filter_id not in known]
    if unknown:
        raise ValidationError({"filters": f"Unknown filter {', '.join(unknown)}."})
    return [transitions.FilterSpec(known[schedule.filter_id], schedule.rollout_date) for schedule in schedules]


def usage_of(release: Release) -> tuple[int, int]:
    """How many devices run the release, and how many are installing it."""
    module_name = release.module.name
    running = Device.objects.filter(
        product_id=release.product_id, **{f"installed_versions__{module_name}": release.version}
    ).count()
    installing = DeviceUpdate.objects.filter(release=release, status__in=UPDATE_IN_PROGRESS).count()
    return running, installing


def delete_software(release: Release) -> None:
    """Delete a release no device uses, with its rollout and its file (the object after commit).

    The release row is locked first: an offer being written for it waits for the
    lock (its foreign key check), so no device can start installing it meanwhile.
    """
    with transaction.atomic():
        release = Release.objects.select_for_update().select_related("module").get(pk=release.pk)
        running, installing = usage_of(release)
        if running or installing:
            raise SoftwareInUse(release, running, installing)
        artifact = release.artifact_or_none
        if artifact is not None:
            artifacts.remove(artifact)
        release.delete()


def find_file(release: Release, file_name: str):
    """The release's artifact when it has this file name, else None."""
    artifact = release.artifact_or_none
    return artifact if artifact is not None and artifact.file_name == file_name else None


def current_software(device_uid: str) -> Release:
    """The release of its product's default module that the device reports running."""
    device = Device.objects.select_related("product").filter(uid=device_uid).first()
    if device is None:
        raise EndpointNotFound(device_uid)
    version = device.installed_version(DEFAULT_MODULE)
    if not version:
        raise EndpointSoftwareUnknown(f"Endpoint {device_uid!r} has not reported its software version.")
    release = software_of(device.product).filter(version=version).first()
    if release is None:
        raise EndpointSoftwareUnknown(f"Endpoint {device_uid!r} runs {version!r}, which is not software of "
                                      f"application {device.product.key!r}.")
    return release

