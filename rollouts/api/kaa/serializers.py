"""Kaa's software representation mapped onto Release, Rollout and RolloutFilter.

``appName`` is the product key, ``version`` the release version in the product's
``default`` module, ``upgradableFrom`` its allowed source versions, ``filename``
its artifact's file name, and the rollout fields come from the release's Rollout.
"""

import re
from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from catalog.models.releases import validate_source_versions
from catalog.services import artifacts
from rollouts.models import RolloutState, Strategy
from rollouts.services.software import FilterSchedule, PolicyChange, rollout_of

# Kaa's documented format is yyyy-MM-dd'T'HH:mm:ss'Z'; its own examples carry
# milliseconds, so fractional seconds are accepted too (and kept to the millisecond).
KAA_DATE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.(?P<fraction>\d{1,9}))?Z")
FILE_NAME = re.compile(r"[a-z0-9._-]{1,30}")


@extend_schema_field({"type": "string", "format": "date-time", "example": "2019-04-20T11:19:57Z"})
class KaaDateTimeField(serializers.Field):
    default_error_messages = {
        "format": "Use the format yyyy-MM-dd'T'HH:mm:ss'Z' (UTC), e.g. 2019-04-20T11:19:57Z.",
        "invalid": "{value!r} is not a valid date.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or (match := KAA_DATE.fullmatch(data)) is None:
            self.fail("format")
        fraction = match["fraction"] or ""
        try:
            moment = datetime.strptime(data[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            self.fail("invalid", value=data)
        return moment.replace(microsecond=int(fraction[:3].ljust(3, "0")) * 1000)

    def to_representation(self, value):
        value = value.astimezone(UTC)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond // 1000:03d}"
        return text + "Z"


class FilterSerializer(serializers.Serializer):
    filterId = serializers.UUIDField(help_text="Id of a device filter (GET /api/v1/device-filters).")
    rolloutDate = KaaDateTimeField(
        required=False, allow_null=True,
        help_text="From when devices matching the filter get the software; absent: at once.",
    )

    def to_representation(self, instance):
        data = {"filterId": str(instance.filter_id)}
        if instance.rollout_date is not None:
            data["rolloutDate"] = KaaDateTimeField().to_representation(instance.rollout_date)
        return data


class SoftwareSerializer(serializers.Serializer):
    """What GET answers for one software version (a Release)."""

    appName = serializers.CharField(source="product.key", help_text="Product key.")
    version = serializers.CharField(help_text="Release version in the product's default module.")
    specification = serializers.JSONField(allow_null=True, help_text="Any JSON, sent to the endpoint.")
    metadata = serializers.JSONField(allow_null=True, help_text="Any JSON.")
    upgradableFrom = serializers.ListField(
        source="allowed_source_versions", child=serializers.CharField(),
        help_text="Versions this one installs over; empty: any.",
    )
    filename = serializers.SerializerMethodField(help_text="Name of the uploaded file; absent without one.")
    rolloutStrategy = serializers.SerializerMethodField()
    filters = serializers.SerializerMethodField()
    skipDispatchingToEndpoint = serializers.SerializerMethodField()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if data["filename"] is None:
            del data["filename"]
        return data

    @extend_schema_field(OpenApiTypes.STR)
    def get_filename(self, release):
        artifact = release.artifact_or_none
        return artifact.file_name if artifact else None

    @extend_schema_field(serializers.ChoiceField(choices=Strategy.choices))
    def get_rolloutStrategy(self, release):
        """A draft offers nothing whatever its strategy says: to Kaa it is suspended until it starts."""
        rollout = rollout_of(release)
        return rollout.strategy if rollout and rollout.state != RolloutState.DRAFT else Strategy.SUSPENDED

    @extend_schema_field(FilterSerializer(many=True))
    def get_filters(self, release):
        rollout = rollout_of(release)
        return FilterSerializer(rollout.rollout_filters.all() if rollout else [], many=True).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_skipDispatchingToEndpoint(self, release):
        rollout = rollout_of(release)
        return rollout.skip_dispatching_to_endpoint if rollout else False


class SoftwareUpdateSerializer(serializers.Serializer):
    """The body of PUT: the policy and the free fields. Fields left out keep their values.

    Fields of the GET representation that PUT cannot change (``appName``,
    ``version``, ``filename``, ``specification``) may be sent back unchanged, so
    that a client can PUT what it read; a different value is refused.
    """

    metadata = serializers.JSONField(required=False, allow_null=True)
    upgradableFrom = serializers.ListField(
        source="allowed_source_versions", child=serializers.CharField(), required=False,
        validators=[validate_source_versions],
    )
    rolloutStrategy = serializers.ChoiceField(source="strategy", choices=Strategy.choices)
    filters = FilterSerializer(many=True, required=False)
    skipDispatchingToEndpoint = serializers.BooleanField(source="skip_dispatching_to_endpoint", required=False)

    fixed_fields = ("appName", "version", "filename", "specification")

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = set(self.fields) | set(self.fixed_fields)
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError({name: "Unknown field." for name in unknown})
            self.check_fixed_fields(data)
        return super().to_internal_value(data)

    def check_fixed_fields(self, data):
        current = self.context.get("current", {})
        errors = {
            name: "Cannot be changed here." for name in self.fixed_fields
            if name in data and name not in self.fields and data[name] != current.get(name)
        }
        if errors:
            raise serializers.ValidationError(errors)

    def policy(self) -> PolicyChange:
        data = self.validated_data
        filters = data.get("filters")
        return PolicyChange(
            strategy=data["strategy"],
            filters=None if filters is None else [
                FilterSchedule(item["filterId"], item.get("rolloutDate")) for item in filters
            ],
            skip_dispatching_to_endpoint=data.get("skip_dispatching_to_endpoint"),
        )

    def release_fields(self) -> dict:
        names = ("metadata", "allowed_source_versions", "specification")
        return {name: self.validated_data[name] for name in names if name in self.validated_data}


class SoftwareCreateSerializer(SoftwareUpdateSerializer):
    """The body of POST: as PUT, plus the specification."""

    specification = serializers.JSONField(required=False, allow_null=True)

    fixed_fields = ("appName", "version", "filename")


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The software file; its name: 1 to 30 of a-z 0-9 . _ -")

    def validate_file(self, upload):
        if not FILE_NAME.fullmatch(upload.name or ""):
            raise serializers.ValidationError(
                f"File name {upload.name!r} must be 1 to 30 characters among a-z, 0-9, '.', '_' and '-'."
            )
        try:
            artifacts.clean_file_name(upload.name)
            artifacts.check_size(upload.size)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return upload


@extend_schema_serializer(component_name="KaaLink")  # hawkBit DDI has a "Link" of its own
class LinkSerializer(serializers.Serializer):
    link = serializers.URLField(help_text="Download link, valid for OTA_KAA_LINK_TTL seconds.")
