from django.db import models


class PackageType(models.TextChoices):
    FIRMWARE = "firmwarePackage", "Firmware package"
    SOFTWARE = "softwarePackage", "Software package"
    MODULE = "modulePackage", "Module package"


class ReleaseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DEPRECATED = "deprecated", "Deprecated"


class ArtifactState(models.TextChoices):
    PENDING = "pending", "Pending"
    VERIFYING = "verifying", "Verifying"
    VERIFIED = "verified", "Verified"
    FAILED = "failed", "Failed"


class ChecksumSource(models.TextChoices):
    """Where a release's SHA-256 comes from: its registrant, or the portal hashing its first verified file."""

    DECLARED = "declared", "Declared"
    COMPUTED = "computed", "Computed by the portal"


# Badge colours for the admin, keyed by state value.
ARTIFACT_STATE_COLOURS = {
    ArtifactState.PENDING: "#6c757d",
    ArtifactState.VERIFYING: "#0d6efd",
    ArtifactState.VERIFIED: "#198754",
    ArtifactState.FAILED: "#dc3545",
}
RELEASE_STATUS_COLOURS = {
    ReleaseStatus.ACTIVE: "#198754",
    ReleaseStatus.DEPRECATED: "#6c757d",
}
# The badge of a release that has no artifact yet.
NO_ARTIFACT_COLOUR = "#adb5bd"


class CredentialStatus(models.TextChoices):
    """State of an API token or access key, derived from its revocation and expiry times."""

    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


CREDENTIAL_STATUS_COLOURS = {
    CredentialStatus.ACTIVE: "#198754",
    CredentialStatus.EXPIRED: "#fd7e14",
    CredentialStatus.REVOKED: "#6c757d",
}


class FailureReason(models.TextChoices):
    CHECKSUM_MISMATCH = "checksum mismatch", "Checksum mismatch"
    SIZE_MISMATCH = "size mismatch", "Size mismatch"
    OBJECT_MISSING = "object missing", "Object missing"
    STORAGE_ERROR = "storage error", "Storage error"
