from django.db import models
from django.db.models import Q

from catalog.choices import ArtifactState, FailureReason
from catalog.validators import sha256_validator

from .releases import Release


class ArtifactQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(state=ArtifactState.VERIFIED)

    def needing_verification(self):
        return self.filter(state__in=[ArtifactState.PENDING, ArtifactState.FAILED])


class Artifact(models.Model):
    """The file of a release, kept in artifact storage and verified before it is ever served."""

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="artifact")
    bucket = models.CharField(
        max_length=63, blank=True,
        help_text="Bucket (or folder under the media root) holding the object; blank: the configured one.",
    )
    storage_key = models.CharField(max_length=1024, help_text="Object key in the bucket.")
    owned = models.BooleanField(
        default=True, help_text="The portal wrote this object and deletes it with the artifact."
    )
    file_name = models.CharField(max_length=255, help_text="Name devices save the file under.")
    declared_sha256 = models.CharField(max_length=64, blank=True, validators=[sha256_validator])
    declared_size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, editable=False, help_text="Computed SHA-256.")
    sha1 = models.CharField(max_length=40, blank=True, editable=False, help_text="Computed SHA-1.")
    md5 = models.CharField(max_length=32, blank=True, editable=False, help_text="Computed MD5.")
    size = models.PositiveBigIntegerField(null=True, blank=True, editable=False, help_text="Computed size.")
    state = models.CharField(
        max_length=16, choices=ArtifactState.choices, default=ArtifactState.PENDING, db_index=True
    )
    failure_reason = models.CharField(max_length=32, choices=FailureReason.choices, blank=True)
    failure_detail = models.TextField(blank=True)
    verification_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification_attempts = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArtifactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "storage_key"], condition=Q(owned=True), name="artifact_owned_key_unique"
            ),
        ]

    def __str__(self):
        return self.file_name

    @property
    def is_verified(self):
        return self.state == ArtifactState.VERIFIED

    @property
    def failure(self):
        """Reason and detail in one line, blank unless failed."""
        if not self.failure_reason:
            return ""
        return f"{self.failure_reason}: {self.failure_detail}" if self.failure_detail else self.failure_reason
