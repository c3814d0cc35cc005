"""The OTA files a device may see and download: the artifacts of its own product's releases.

A file is *active* when its release is active and its artifact verified; only
active files are ever served. Each lookup is one query whatever the fleet size.
"""

from django.db.models import Q, QuerySet

from catalog.choices import ArtifactState, ReleaseStatus
from catalog.models import Artifact
from devices.models import Device

ACTIVE = Q(release__status=ReleaseStatus.ACTIVE, state=ArtifactState.VERIFIED)
# Artifact ids are positive 64-bit integers; anything else is simply not found.
_MAX_ID = 2**63 - 1


def files_for(device: Device) -> QuerySet[Artifact]:
    """Every file of the device's product, by module and newest version first."""
    return (
        Artifact.objects.filter(release__product_id=device.product_id)
        .select_related("release", "release__module")
        .order_by("release__module__name", "-release__version_key", "-release__version", "pk")
    )


def filter_active(files: QuerySet[Artifact], active: bool) -> QuerySet[Artifact]:
    return files.filter(ACTIVE) if active else files.exclude(ACTIVE)


def is_active(artifact: Artifact) -> bool:
    return artifact.release.status == ReleaseStatus.ACTIVE and artifact.state == ArtifactState.VERIFIED


def servable_file(device: Device, file_id) -> Artifact | None:
    """The active file ``file_id`` of the device's product, or None (unknown, inactive or foreign alike)."""
    text = str(file_id)
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= _MAX_ID:
        return None
    return (
        Artifact.objects.filter(ACTIVE, pk=int(text), release__product_id=device.product_id)
        .select_related("release")
        .first()
    )
