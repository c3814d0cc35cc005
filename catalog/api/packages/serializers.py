"""IoTDA's package fields ("Create an OTA Upgrade Package") mapped onto Release and Artifact.

Value rules are IoTDA's, which are stricter than the catalog's own in places
(a version has no ``+`` here; ids are at most 36 characters).
"""

import re

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.fields import CompactUtcDateTimeField
from catalog.choices import PackageType
from catalog.models import DEFAULT_MODULE, MAX_SOURCE_VERSIONS, Release
from catalog.services import packages
from catalog.validators import module_name_validator

SIGN_METHOD = "SHA256"

identifier_validator = RegexValidator(
    r"^[A-Za-z0-9_-]{1,36}\Z", "Use at most 36 letters, digits, underscores (_) and hyphens (-)."
)
version_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{1,256}\Z", "Use at most 256 letters, digits, underscores (_), hyphens (-) and periods (.)."
)
region_validator = RegexValidator(r"^[A-Za-z0-9-]{1,256}\Z", "Use at most 256 letters, digits and hyphens (-).")
bucket_validator = RegexValidator(
    r"^[a-z0-9.-]{3,63}\Z", "Use 3 to 63 lower-case letters, digits, hyphens (-) and periods (.)."
)
sign_validator = RegexValidator(r"^[A-Za-z0-9]{64}\Z", "The signature is 64 letters and digits.")
_HEX = re.compile(r"^[0-9a-f]{64}\Z")


def validate_object_key(key: str) -> None:
    lowered = key.lower()
    if not lowered.endswith(packages.PACKAGE_EXTENSIONS):
        raise serializers.ValidationError(
            f"The object must be one of these file types: {', '.join(packages.PACKAGE_EXTENSIONS)}."
        )
    segments = key.split("/")
    if key.startswith("/") or any(segment in ("", ".", "..") for segment in segments):
        raise serializers.ValidationError("Give the key as folder/.../name, without empty, '.' or '..' parts.")
    if len(segments[-1]) > 255:
        raise serializers.ValidationError("The file name (the key's last part) is at most 255 characters.")


class ObsLocationSerializer(serializers.Serializer):
    region_name = serializers.CharField(max_length=256, validators=[region_validator])
    bucket_name = serializers.CharField(validators=[bucket_validator])
    object_key = serializers.CharField(max_length=1024, validators=[validate_object_key])
    sign_method = serializers.ChoiceField(choices=[SIGN_METHOD], required=False, default=SIGN_METHOD)
    sign = serializers.CharField(required=False, validators=[sign_validator],
                                 help_text="SHA-256 of the object in hex; the object is verified against it.")

    def validate_sign(self, value):
        value = value.lower()
        if not _HEX.match(value):
            raise serializers.ValidationError("The signature is the object's SHA-256 in hexadecimal.")
        return value


class FileLocationSerializer(serializers.Serializer):
    obs_location = ObsLocationSerializer(help_text="The object, which must already exist.")


class CreatePackageSerializer(serializers.Serializer):
    app_id = serializers.CharField(validators=[identifier_validator], help_text="Resource space key.")
    package_type = serializers.ChoiceField(choices=PackageType.choices)
    product_id = serializers.CharField(validators=[identifier_validator], help_text="Product key.")
    module_name = serializers.CharField(required=False, validators=[module_name_validator],
                                        help_text="modulePackage only; a new name creates the module.")
    version = serializers.CharField(validators=[version_validator])
    support_source_versions = serializers.ListField(
        child=serializers.CharField(validators=[version_validator]), required=False,
        max_length=MAX_SOURCE_VERSIONS, help_text=f"At most {MAX_SOURCE_VERSIONS}; empty: from any version.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=1024)
    custom_info = serializers.CharField(required=False, allow_blank=True, max_length=4096)
    file_location = FileLocationSerializer()

    def validate(self, attrs):
        if "module_name" in attrs and attrs["package_type"] != PackageType.MODULE:
            raise serializers.ValidationError(
                {"module_name": "module_name is supported only when package_type is modulePackage."}
            )
        return attrs

    def create(self, validated_data):
        obs = validated_data["file_location"]["obs_location"]
        product = packages.resolve_product(validated_data["product_id"], validated_data["app_id"])
        return packages.create_package(
            product=product, module_name=validated_data.get("module_name"), version=validated_data["version"],
            bucket=obs["bucket_name"], key=obs["object_key"], sign=obs.get("sign", ""),
            package_type=validated_data["package_type"],
            allowed_source_versions=validated_data.get("support_source_versions", []),
            description=validated_data.get("description", ""), custom_info=validated_data.get("custom_info", ""),
        )


class PackageSummarySerializer(serializers.ModelSerializer):
    """One package as the list shows it (IoTDA's OtaPackageInfo)."""

    package_id = serializers.SerializerMethodField(help_text="The release's UUID as 32 hex digits.")
    app_id = serializers.SerializerMethodField()
    product_id = serializers.CharField(source="product.key", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    module_name = serializers.SerializerMethodField()
    support_source_versions = serializers.ListField(source="allowed_source_versions", read_only=True,
                                                    child=serializers.CharField())
    description = serializers.SerializerMethodField()
    custom_info = serializers.SerializerMethodField()
    create_time = CompactUtcDateTimeField(source="created_at")

    class Meta:
        model = Release
        fields = [
            "package_id", "app_id", "package_type", "product_id", "product_name", "module_name", "version",
            "support_source_versions", "description", "custom_info", "create_time",
        ]
        read_only_fields = fields

    def get_package_id(self, release) -> str:
        return release.id.hex

    def get_app_id(self, release) -> str | None:
        space = release.product.resource_space
        return space.key if space else None

    def get_module_name(self, release) -> str | None:
        if release.package_type == PackageType.MODULE or release.module.name != DEFAULT_MODULE:
            return release.module.name
        return None

    def get_description(self, release) -> str | None:
        return release.description or None

    def get_custom_info(self, release) -> str | None:
        return release.custom_info or None


class PackageSerializer(PackageSummarySerializer):
    """One package with its location, as create and show answer it."""

    file_location = serializers.SerializerMethodField()

    class Meta(PackageSummarySerializer.Meta):
        fields = [*PackageSummarySerializer.Meta.fields, "file_location"]
        read_only_fields = fields

    @extend_schema_field(FileLocationSerializer(allow_null=True))
    def get_file_location(self, release):
        artifact = release.artifact_or_none
        if artifact is None:
            return None
        return {"obs_location": {
            "region_name": settings.AWS_S3_REGION_NAME,
            "bucket_name": artifact.bucket or packages.configured_bucket(),
            "object_key": artifact.storage_key,
            "sign_method": SIGN_METHOD,
            "sign": artifact.declared_sha256 or release.declared_sha256 or None,
        }}

