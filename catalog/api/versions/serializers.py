"""The version catalog's JSON (RegisterVersion field names) mapped onto Release and Artifact."""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.choices import ArtifactState, ChecksumSource, ReleaseStatus
from catalog.api.fields import UtcDateTimeField
from catalog.models import Release
from catalog.services import releases
from catalog.validators import version_validator

# Model field names as they are called in this API, for errors raised by model validation.
API_FIELD_NAMES = {
    "release_notes": "releaseNotes",
    "declared_sha256": "sha256Checksum",
    "declared_size": "fileSize",
    "min_agent_version": "minAgentVersion",
}
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}\Z")
_DIGITS = re.compile(r"^[0-9]+\Z")


@extend_schema_field({"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^0*[1-9][0-9]*$"}]})
class FileSizeField(serializers.Field):
    """Bytes, as a JSON number or a string of digits; shown as a number."""

    default_error_messages = {
        "invalid": "Give the size in bytes as a whole number or a string of digits.",
        "min_value": "The size must be at least 1 byte.",
        "max_value": "The size is larger than the {limit} bytes accepted (OTA_MAX_ARTIFACT_SIZE).",
    }

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            value = data
        elif isinstance(data, str) and _DIGITS.match(data.strip()):
            value = int(data.strip())
        else:
            self.fail("invalid")
        if value < 1:
            self.fail("min_value")
        if value > settings.OTA_MAX_ARTIFACT_SIZE:
            self.fail("max_value", limit=settings.OTA_MAX_ARTIFACT_SIZE)
        return value

    def to_representation(self, value):
        return value


class VersionSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True,
                               help_text="`ver-` followed by the release's UUID.")
    product = serializers.CharField(source="product.key", read_only=True)
    module = serializers.CharField(source="module.name", read_only=True)
    releaseNotes = serializers.CharField(source="release_notes", read_only=True)
    sha256Checksum = serializers.CharField(source="declared_sha256", read_only=True)
    fileSize = serializers.IntegerField(source="declared_size", read_only=True, allow_null=True)
    minAgentVersion = serializers.CharField(source="min_agent_version", read_only=True)
    deprecateReason = serializers.SerializerMethodField()
    createdAt = UtcDateTimeField(source="created_at")
    updatedAt = UtcDateTimeField(source="updated_at")
    artifactState = serializers.ChoiceField(
        source="artifact_state", read_only=True, choices=["none", *ArtifactState.values],
        help_text="`none` until a file is uploaded, then the verification state of the file.",
    )
    artifactError = serializers.SerializerMethodField()
    checksumSource = serializers.ChoiceField(
        source="checksum_source", read_only=True, allow_null=True, choices=ChecksumSource.values,
        help_text="`declared` when `sha256Checksum` was registered; `computed` when the portal took it from "
                  "the verified file, as for versions created without one; null while there is none.",
    )
    replacementState = serializers.SerializerMethodField(
        help_text="Verification state of a file uploaded over a verified one; the verified file is served "
                  "until the replacement is verified. Null without a replacement.",
    )
    replacementError = serializers.SerializerMethodField(help_text="Why the replacement failed verification.")

    class Meta:
        model = Release
        fields = [
            "id", "product", "module", "version", "releaseNotes", "sha256Checksum", "fileSize",
            "minAgentVersion", "status", "deprecateReason", "createdAt", "updatedAt", "artifactState",
            "artifactError", "checksumSource", "replacementState", "replacementError",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_deprecateReason(self, release) -> str | None:
        return release.deprecate_reason if release.status == ReleaseStatus.DEPRECATED else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_artifactError(self, release) -> str | None:
        artifact = release.artifact_or_none
        return (artifact.failure or None) if artifact else None


    @extend_schema_field(serializers.ChoiceField(choices=ArtifactState.values, allow_null=True))
    def get_replacementState(self, release) -> str | None:
        candidate = release.artifact_candidate_or_none
        return candidate.state if candidate else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_replacementError(self, release) -> str | None:
        candidate = release.artifact_candidate_or_none
        return (candidate.failure or None) if candidate else None


class RegisterVersionSerializer(serializers.Serializer):
    """RegisterVersion's body; ``product`` and ``module`` are this portal's additions."""

    version = serializers.CharField(max_length=256, validators=[version_validator])
    releaseNotes = serializers.CharField()
    sha256Checksum = serializers.CharField(
        help_text="64 hexadecimal digits.",
        validators=[RegexValidator(_SHA256, "A SHA-256 checksum is 64 hexadecimal digits.")],
    )
    fileSize = FileSizeField(help_text="Bytes, a number or a numeric string.")
    minAgentVersion = serializers.CharField(max_length=256, validators=[version_validator])
    product = serializers.CharField(required=False, help_text="Product key; default: OTA_DEFAULT_PRODUCT.")
    module = serializers.CharField(required=False, help_text="Module name; default: `default`.")

    def validate_sha256Checksum(self, value):
        return value.lower()

    def create(self, validated_data):
        module = releases.resolve_module(validated_data.get("product"), validated_data.get("module"))
        return releases.register_release(
            module, validated_data["version"],
            release_notes=validated_data["releaseNotes"],
            declared_sha256=validated_data["sha256Checksum"],
            declared_size=validated_data["fileSize"],
            min_agent_version=validated_data["minAgentVersion"],
        )


class DeprecateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why devices should no longer get this version.")


class UploadSerializer(serializers.Serializer):
    """Multipart form of ``PUT .../file`` (a raw ``application/octet-stream`` body works too)."""

    file = serializers.FileField()
