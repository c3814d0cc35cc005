from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.validators import module_name_validator, version_validator
from otaportal.json_limits import JsonLimits
from otaportal.schema_patterns import json_schema_pattern
from rollouts.handling import INSTALL_DEFERRED, INSTALL_NOW
from rollouts.models import REPORTABLE_STATUSES, UpdateStatus, UpdateType

MAX_MODULES = 50
MAX_ATTRIBUTES = 100
# A status report's reason goes whole into the update's log, in pieces of 1,024 characters
# (rollouts.services.update_log); the update itself keeps its first 2,000 characters.
MAX_REASON_LENGTH = 16_384


@extend_schema_field({
    "type": "object", "maxProperties": MAX_MODULES,
    # OpenAPI 3.0 has no keyword for the names of an object's keys.
    "description": f"Module names match {json_schema_pattern(module_name_validator)}.",
    "additionalProperties": {"type": "string", "pattern": json_schema_pattern(version_validator)},
})
class ModulesField(serializers.DictField):
    """Installed version per module name."""


class CheckInSerializer(serializers.Serializer):
    agentVersion = serializers.CharField(max_length=64, validators=[version_validator],
                                         help_text="Version of the update agent.")
    modules = ModulesField(
        child=serializers.CharField(max_length=256, validators=[version_validator]),
        help_text='Installed version per module, e.g. {"default": "1.0.0"}.',
    )
    attributes = serializers.DictField(required=False, validators=[JsonLimits("attributes")],
                                       help_text="Attributes to merge into the device's.")

    def validate_modules(self, modules):
        if len(modules) > MAX_MODULES:
            raise serializers.ValidationError(f"At most {MAX_MODULES} modules.")
        errors = {}
        for name in modules:
            try:
                module_name_validator(name)
            except Exception as error:  # django ValidationError: keep its message
                errors[name] = getattr(error, "messages", [str(error)])
        if errors:
            raise serializers.ValidationError(errors)
        return modules

    def validate_attributes(self, attributes):
        if len(attributes) > MAX_ATTRIBUTES:
            raise serializers.ValidationError(f"At most {MAX_ATTRIBUTES} attributes.")
        too_long = [key for key in attributes if not key or len(key) > 64]
        if too_long:
            raise serializers.ValidationError({key: ["Attribute names are 1 to 64 characters."] for key in too_long})
        return attributes


class OfferSerializer(serializers.Serializer):
    """The check-in's 200 answer (documentation; the view builds the body)."""

    updateId = serializers.IntegerField(help_text="Report progress for it at statusUrl.")
    status = serializers.ChoiceField(
        UpdateStatus.choices,
        help_text="The update's status: awaiting_confirmation when its rollout asks for the device's consent "
                  "(report confirmed or denied first), offered or confirmed when the device may download it, or "
                  "where the device's reports left it.")
    version = serializers.CharField()
    module = serializers.CharField()
    fileUrl = serializers.URLField(allow_null=True, help_text="The device file API's download; null: no file.")
    fileName = serializers.CharField(allow_null=True)
    fileSize = serializers.IntegerField(allow_null=True)
    sha256Checksum = serializers.CharField(allow_null=True)
    tufTarget = serializers.CharField(
        allow_null=True, help_text="The file's target name in the product's TUF repository (docs/tuf.md): "
                                   "verify it with a TUF client before installing; null: no file.",
    )
    customInfo = serializers.CharField(allow_blank=True)
    specification = serializers.JSONField(allow_null=True)
    updateType = serializers.ChoiceField(
        UpdateType.choices, help_text="hawkBit's action type (docs/rollouts.md, \"Action types\"): soft (the device "
                                      "may put the installation off), forced, timeforced (soft until forcedTime, "
                                      "forced from it) or downloadonly (download, never install).")
    forcedTime = serializers.DateTimeField(allow_null=True, help_text="timeforced: when it becomes forced; else null.")
    installation = serializers.ChoiceField(
        [INSTALL_NOW, INSTALL_DEFERRED],
        help_text="now: install once downloaded; deferred: download only, install later (downloadonly, or "
                  "outside every maintenance window: wait for installAfter).")
    installAfter = serializers.DateTimeField(
        allow_null=True, help_text="The current or next maintenance window's opening (ISO 8601); null: no windows, "
                                   "install any time.")
    installBefore = serializers.DateTimeField(
        allow_null=True, help_text="That window's closing: start installing before it; null: no windows.")
    attempt = serializers.IntegerField()
    statusUrl = serializers.URLField()


class StatusReportSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[status.value for status in REPORTABLE_STATUSES])
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=MAX_REASON_LENGTH, default="",
        help_text=f"Why, or what happened: an install log may go here (at most {MAX_REASON_LENGTH} characters). "
                  "Kept whole in the update's action log.",
    )

    def validate(self, attrs):
        if attrs["status"] == "failed" and not attrs["reason"].strip():
            raise serializers.ValidationError({"reason": ["Say why the update failed."]})
        return attrs


class UpdateStateSerializer(serializers.Serializer):
    updateId = serializers.IntegerField(source="pk")
    status = serializers.CharField()
    reason = serializers.CharField()
    attempt = serializers.IntegerField()
