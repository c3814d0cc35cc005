import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone

from catalog.fields import VersionKeyField
from catalog.choices import ArtifactState, ChecksumSource, PackageType, ReleaseStatus
from catalog.validators import sha256_validator, version_validator
from catalog.versioning import version_key
from otaportal.json_limits import JsonLimits

from .products import Module, Product

MAX_SOURCE_VERSIONS = 20


def validate_source_versions(value):
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Give a list of version strings.")
    if len(value) > MAX_SOURCE_VERSIONS:
        raise ValidationError(f"At most {MAX_SOURCE_VERSIONS} source versions are allowed.")
    for item in value:
        version_validator(item)


class ReleaseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=ReleaseStatus.ACTIVE)

    def with_verified_artifact(self):
        return self.filter(artifact__state=ArtifactState.VERIFIED)


class Release(models.Model):
    """One version of one module of a product, with the file devices install."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="releases")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="releases")
    version = models.CharField(max_length=256, validators=[version_validator])
    version_key = VersionKeyField(max_length=600, editable=False, help_text="Sort key of the version (README).")
    release_notes = models.TextField(blank=True)
    description = models.TextField(blank=True, validators=[MaxLengthValidator(1024)])
    custom_info = models.TextField(
        blank=True, validators=[MaxLengthValidator(4096)], help_text="Free text pushed to devices with the update."
    )
    min_agent_version = models.CharField(
        max_length=256, blank=True, validators=[version_validator],
        help_text="Devices whose agent is older never get this release.",
    )
    allowed_source_versions = models.JSONField(
        default=list, blank=True, validators=[validate_source_versions],
        help_text="Versions this release can be installed over (at most 20); empty means any.",
    )
    specification = models.JSONField(
        null=True, blank=True, validators=[JsonLimits("specification")],
        help_text="Free JSON sent to devices (limits: OTA_JSON_MAX_DEPTH, _KEYS, _VALUES, _BYTES).",
    )
    metadata = models.JSONField(
        null=True, blank=True, validators=[JsonLimits("metadata")],
        help_text="Free JSON kept with the release (limits: OTA_JSON_MAX_DEPTH, _KEYS, _VALUES, _BYTES).",
    )
    package_type = models.CharField(max_length=32, choices=PackageType.choices, default=PackageType.FIRMWARE)
    declared_sha256 = models.CharField(
        max_length=64, blank=True, validators=[sha256_validator],
        help_text="SHA-256 the artifact must have, as registered; filled in from the artifact when absent.",
    )
    declared_size = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Size in bytes the artifact must have; filled in when absent."
    )
    checksum_computed = models.BooleanField(
        default=False, editable=False,
        help_text="The SHA-256 was filled in from the verified artifact: nobody declared it.",
    )
    status = models.CharField(max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.ACTIVE)
    deprecate_reason = models.TextField(blank=True)
    deprecated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["product__key", "module__name", "-version_key", "-version"]
        constraints = [models.UniqueConstraint(fields=["module", "version"], name="release_unique_per_module")]
        indexes = [
            models.Index(fields=["module", "-version_key"], name="release_module_order"),
            models.Index(fields=["product", "status"], name="release_product_status"),
        ]

    def __str__(self):
        return f"{self.module} {self.version}"

    def clean(self):
        if self.module_id and self.product_id and self.module.product_id != self.product_id:
            raise ValidationError({"module": "The module belongs to another product."})

    def save(self, *args, **kwargs):
        if self.module_id and not self.product_id:
            self.product_id = self.module.product_id
        self.version_key = version_key(self.version)
        super().save(*args, **kwargs)

    @property
    def public_id(self):
        """The id the version catalog API shows: ``ver-`` and the UUID."""
        return f"ver-{self.id}"

    @property
    def artifact_or_none(self):
        try:
            return self.artifact
        except Release.artifact.RelatedObjectDoesNotExist:
            return None

    @property
    def checksum_source(self) -> str | None:
        """Whether the SHA-256 was declared or computed by the portal; None while there is none."""
        if not self.declared_sha256:
            return None
        return ChecksumSource.COMPUTED if self.checksum_computed else ChecksumSource.DECLARED

    @property
    def artifact_candidate_or_none(self):
        try:
            return self.artifact_candidate
        except Release.artifact_candidate.RelatedObjectDoesNotExist:
            return None

    @property
    def artifact_state(self):
        artifact = self.artifact_or_none
        return artifact.state if artifact else "none"

    def deprecate(self, reason: str):
        self.status = ReleaseStatus.DEPRECATED
        self.deprecate_reason = reason
        self.deprecated_at = timezone.now()
        self.save(update_fields=["status", "deprecate_reason", "deprecated_at", "updated_at"])
