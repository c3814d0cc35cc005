"""A controller's actions (its DeviceUpdate rows) as DDI shows them: deployment, chunks, history, files.

A hawkBit software module is, here, a release's artifact: the ``softwaremodules``
id in download paths is ``Artifact.id`` (one file per release), the chunk's
``version`` and ``name`` are the release's version and module name, and its
``part`` is hawkBit's software module type for the release's package type.
"""

import json
from dataclasses import dataclass
from datetime import datetime

from catalog.choices import ArtifactState, PackageType
from catalog.models import Artifact
from catalog.services import tuf
from devices.models import Device
from rollouts import handling, policy
from rollouts.handling import Handling
from rollouts.models import ACTIVE_STATUSES, DeviceUpdate, UpdateStatus, UpdateType
from rollouts.policy import ProductPolicy
from rollouts.services import update_log

# hawkBit's software module type keys, as its DDI names them in ``part``.
PART_OF_PACKAGE_TYPE = {PackageType.FIRMWARE: "os", PackageType.SOFTWARE: "bApp"}
# hawkBit's action status names, for actionHistory.status.
ACTION_STATUS = {
    UpdateStatus.OFFERED: "RUNNING",
    UpdateStatus.AWAITING_CONFIRMATION: "WAIT_FOR_CONFIRMATION",
    UpdateStatus.CONFIRMED: "RUNNING",
    UpdateStatus.DENIED: "WAIT_FOR_CONFIRMATION",
    UpdateStatus.DOWNLOADING: "DOWNLOAD",
    UpdateStatus.DOWNLOADED: "DOWNLOADED",
    UpdateStatus.INSTALLING: "RUNNING",
    UpdateStatus.INSTALLED: "FINISHED",
    UpdateStatus.COMMITTED: "FINISHED",
    UpdateStatus.ROLLED_BACK: "ERROR",
    UpdateStatus.FAILED: "ERROR",
    UpdateStatus.REJECTED: "WARNING",
    UpdateStatus.CANCELED: "CANCELED",
    UpdateStatus.TIMED_OUT: "ERROR",
}
# hawkBit caps the history it returns whatever the device asks for.
MAX_HISTORY_MESSAGES = 100


class ActionNotFound(Exception):
    """No such action for this controller (DDI answers 404 alike for another device's action)."""

    def __init__(self, controller_id: str, action_id):
        super().__init__(f"Action with given identifier {{{action_id}}} does not exist for target {controller_id}.")
        self.action_id = action_id


@dataclass(frozen=True)
class ArtifactFile:
    module_id: int
    filename: str
    size: int | None
    sha1: str
    md5: str
    sha256: str


@dataclass(frozen=True)
class Chunk:
    part: str
    version: str
    name: str
    artifacts: tuple  # of ArtifactFile
    metadata: tuple  # of (key, value)


@dataclass(frozen=True)
class ActionView:
    """One action as deploymentBase and installedBase show it."""

    id: int
    handling: Handling  # download, update and maintenance window (rollouts.handling)
    attempt: int
    chunks: tuple
    history: tuple | None  # (status, messages) when asked for


def action_of(device: Device, action_id) -> DeviceUpdate:
    """The device's own update with this id; ActionNotFound for any other (one query)."""
    update = (DeviceUpdate.objects.select_related("release__module", "release__rollout", "release__artifact")
              .filter(pk=action_id, device=device).first())
    if update is None:
        raise ActionNotFound(device.uid, action_id)
    return update


def is_active(update: DeviceUpdate) -> bool:
    return update.status in ACTIVE_STATUSES


def artifact_file(artifact: Artifact) -> ArtifactFile:
    return ArtifactFile(
        module_id=artifact.pk, filename=artifact.file_name,
        size=artifact.size if artifact.size is not None else artifact.declared_size,
        sha1=artifact.sha1, md5=artifact.md5, sha256=artifact.sha256 or artifact.declared_sha256,
    )


def chunk_of(update: DeviceUpdate) -> Chunk:
    release = update.release
    artifact = release.artifact_or_none
    files = (artifact_file(artifact),) if artifact is not None and artifact.state == ArtifactState.VERIFIED else ()
    metadata = []
    if release.custom_info:
        metadata.append(("customInfo", release.custom_info))
    if files:
        # The file's name in the product's TUF repository, for the agent's TUF client (docs/tuf.md).
        metadata.append(("tufTarget", tuf.target_name(release.module.name, release.version, artifact.file_name)))
    if isinstance(release.specification, dict):
        metadata.extend((str(key), value if isinstance(value, str) else _json(value))
                        for key, value in release.specification.items())
    return Chunk(part=PART_OF_PACKAGE_TYPE.get(release.package_type, release.module.name),
                 version=release.version, name=release.module.name, artifacts=files, metadata=tuple(metadata))


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def view_of(update: DeviceUpdate, snapshot: ProductPolicy, now: datetime, history_count: int = 0) -> ActionView:
    """The action with its chunk, handled as at ``now`` in the maintenance windows of ``snapshot`` (the
    policy of the device's product) and, when ``history_count`` is not 0, its latest messages (negative: all).

    The messages are the device's own, from the update's action log, newest
    first, at most MAX_HISTORY_MESSAGES (hawkBit's ``actionHistory``).
    """
    history = None
    if history_count:
        limit = MAX_HISTORY_MESSAGES if history_count < 0 else min(history_count, MAX_HISTORY_MESSAGES)
        history = (ACTION_STATUS.get(update.status, "RUNNING"), tuple(update_log.latest_messages(update, limit)))
    rollout = policy.rollout_of(update.release)
    handled = (handling.of(rollout.update_type, rollout.forced_at, snapshot.windows_of(rollout.pk), now)
               if rollout is not None else handling.of(UpdateType.FORCED, None, snapshot.product_windows, now))
    return ActionView(id=update.pk, handling=handled, attempt=update.attempt, chunks=(chunk_of(update),),
                      history=history)


def module_files(device: Device, module_id) -> list[ArtifactFile] | None:
    """The files of a software module the device was offered, or None when it was not offered it."""
    artifact = _offered_artifacts(device).filter(pk=module_id).first()
    return [artifact_file(artifact)] if artifact is not None else None


def downloadable(device: Device, module_id, file_name: str) -> Artifact | None:
    """The verified file of a release the device was offered, by module id and name (one query)."""
    return _offered_artifacts(device).filter(pk=module_id, file_name=file_name).first()


def _offered_artifacts(device: Device):
    # hawkBit lets a target download only artifacts of modules assigned to it.
    return Artifact.objects.filter(state=ArtifactState.VERIFIED, release__device_updates__device=device)
