from django.db import models
from django.db.models import Q

from catalog.choices import ArtifactState, FailureReason
from catalog.validators import sha256_validator

from .releases import Release


# Waiting for a verification or in one: the artifacts the sweep looks after.
UNSETTLED_STATES = [ArtifactState.PENDING, ArtifactState.VERIFYING]


class ArtifactQuerySet(models.QuerySet):
    def unsettled_since(self, cutoff):
        """Pending or verifying, untouched (no heartbeat) since ``cutoff``; oldest first, by its own index."""
        return self.filter(state__in=UNSETTLED_STATES, updated_at__lt=cutoff).order_by("updated_at")


class Artifact(models.Model):
    """The file of a release, kept in artifact storage and verified before it is ever served.

    ``release.artifact`` is the artifact served. A file uploaded for a release whose
    artifact is verified is a candidate (``release.artifact_candidate``) until its own
    verification passes; then it replaces the served one in one transaction.
    """

    release = models.OneToOneField(
        Release, on_delete=models.CASCADE, related_name="artifact", null=True, blank=True,
        help_text="The release this artifact is served for; blank while it is a candidate replacement.",
    )
    candidate_for = models.OneToOneField(
        Release, on_delete=models.CASCADE, related_name="artifact_candidate", null=True, blank=True,
        editable=False, help_text="The release whose verified artifact this one replaces once verified itself.",
    )
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
            models.CheckConstraint(
                condition=Q(release__isnull=False, candidate_for__isnull=True)
                | Q(release__isnull=True, candidate_for__isnull=False),
                name="artifact_served_or_candidate",
            ),
        ]
        indexes = [
            # The sweep's query (catalog.services.verification.requeue_stuck): the unsettled, oldest first.
            models.Index(fields=["updated_at"], condition=Q(state__in=UNSETTLED_STATES),
                         name="artifact_unsettled_by_age"),
        ]

    def __str__(self):
        return self.file_name

    @property
    def release_of(self) -> Release:
        """The release this artifact is served for, or is a candidate replacement for."""
        return self.release if self.release_id else self.candidate_for

    @property
    def is_verified(self):
        return self.state == ArtifactState.VERIFIED

    @property
    def failure(self):
        """Reason and detail in one line, blank unless failed."""
        if not self.failure_reason:
            return ""
        return f"{self.failure_reason}: {self.failure_detail}" if self.failure_detail else self.failure_reason
