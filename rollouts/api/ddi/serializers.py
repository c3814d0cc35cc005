"""DDI request bodies (validated as hawkBit's model classes validate them) and response shapes (for the schema).

Unknown keys are ignored, as hawkBit's ``@JsonIgnoreProperties(ignoreUnknown = true)``
does: agents send ``id`` and ``time`` beside the fields hawkBit reads.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from devices.validators import ATTRIBUTE_KEY_PATTERN
from otaportal.schema_patterns import json_schema_pattern
from rollouts.services.ddi.config_data import MERGE, MODES
from rollouts.services.ddi.feedback import Execution, Feedback, Finished
from rollouts.services.update_log import MAX_LOG_LINES, MAX_MESSAGE_LENGTH

# As many lines as an update's log keeps. A line of any length is taken (the body's size,
# DATA_UPLOAD_MAX_MEMORY_SIZE, bounds it) and kept in pieces of MAX_MESSAGE_LENGTH characters:
# SWUpdate sends one log line over 1,024 characters and logs an error when it is refused.
MAX_DETAILS = MAX_LOG_LINES


class ProgressSerializer(serializers.Serializer):
    cnt = serializers.IntegerField(required=False, allow_null=True, help_text="Achieved amount.")
    of = serializers.IntegerField(required=False, allow_null=True, help_text="Maximum levels.")


class StatusCodeField(serializers.IntegerField):
    """hawkBit's optional status code: a Java Integer, so 32 bits (it answers 400 past them, and so do we)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, allow_null=True, min_value=-2**31, max_value=2**31 - 1,
                         help_text="(Optional) individual status code.", **kwargs)


class ResultSerializer(serializers.Serializer):
    finished = serializers.ChoiceField(choices=Finished.ALL, help_text="Result of the action execution.")
    progress = ProgressSerializer(required=False, allow_null=True,
                                  help_text="Progress assumption of the device (kept in the device's events).")


class StatusSerializer(serializers.Serializer):
    execution = serializers.ChoiceField(choices=Execution.ALL, help_text="Status of the action execution.")
    result = ResultSerializer()
    code = StatusCodeField()
    details = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False,
        allow_null=True, max_length=MAX_DETAILS,
        help_text=f"Details message information, kept in the action's log (actionHistory). A line longer than "
                  f"{MAX_MESSAGE_LENGTH} characters is kept in pieces of that length.",
    )


class ActionFeedbackSerializer(serializers.Serializer):
    """hawkBit's DdiActionFeedback."""

    time = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                 help_text="Timestamp of the action (kept as given).")
    status = StatusSerializer()

    def to_feedback(self) -> Feedback:
        status = self.validated_data["status"]
        progress = status["result"].get("progress")
        return Feedback(
            execution=status["execution"], finished=status["result"]["finished"],
            details=tuple(status.get("details") or ()), code=status.get("code"),
            progress=(progress.get("cnt"), progress.get("of")) if progress is not None else None,
        )


class AttributeValueField(serializers.CharField):
    """A string value; numbers and booleans are taken as their text, as hawkBit's Map<String, String> does."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            data = "true" if data else "false"
        if not isinstance(data, (str, int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "object", "minProperties": 1,
                      # OpenAPI 3.0 has no keyword for the names of an object's keys.
                      "description": f"Names match {json_schema_pattern(ATTRIBUTE_KEY_PATTERN)}.",
                      "additionalProperties": {"anyOf": [{"type": "string", "maxLength": 1024}, {"type": "number"},
                                                        {"type": "boolean"}]}})
class ConfigDataField(serializers.DictField):
    """The controller's attributes: at least one."""


class ConfigDataSerializer(serializers.Serializer):
    """hawkBit's DdiConfigData."""

    data = ConfigDataField(child=AttributeValueField(allow_blank=True, max_length=1024), allow_empty=False,
                                 help_text="The controller's attributes (hardware revision, serial number…).")
    mode = serializers.ChoiceField(choices=MODES, default=MERGE, required=False,
                                   help_text="merge (default), replace or remove.")


# --- response shapes, for the OpenAPI schema ------------------------------------------------------

class LinkSerializer(serializers.Serializer):
    href = serializers.URLField()


def links_of(name: str, *relations: str, required: bool = True) -> serializers.Serializer:
    """hawkBit's ``_links``: each relation an object with an ``href``, present only when it applies."""
    fields = {relation: LinkSerializer(required=False) for relation in relations}
    return type(name, (serializers.Serializer,), fields)(required=required)


class PollingSerializer(serializers.Serializer):
    sleep = serializers.CharField(help_text="Sleep time in HH:MM:SS notation (the product's polling interval).")


class ConfigSerializer(serializers.Serializer):
    polling = PollingSerializer()


class ControllerBaseSerializer(serializers.Serializer):
    """hawkBit's DdiControllerBase."""

    config = ConfigSerializer()
    _links = links_of("ControllerBaseLinks", "deploymentBase", "confirmationBase", "cancelAction", "installedBase",
                      "configData", required=False)


class HashesSerializer(serializers.Serializer):
    sha1 = serializers.CharField()
    md5 = serializers.CharField()
    sha256 = serializers.CharField()


class ArtifactSerializer(serializers.Serializer):
    """hawkBit's DdiArtifact."""

    filename = serializers.CharField()
    hashes = HashesSerializer()
    size = serializers.IntegerField()
    _links = links_of("ArtifactLinks", "download", "download-http", "md5sum", "md5sum-http")


class MetadataSerializer(serializers.Serializer):
    key = serializers.CharField()
    value = serializers.CharField()


class ChunkSerializer(serializers.Serializer):
    part = serializers.CharField(help_text="os (firmware packages), bApp (software packages) or the module name.")
    version = serializers.CharField()
    name = serializers.CharField(help_text="The module's name.")
    artifacts = ArtifactSerializer(many=True)
    metadata = MetadataSerializer(many=True, required=False)


# hawkBit's HandlingType; named once in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
HANDLING_TYPES = ["skip", "attempt", "forced"]


# hawkBit's DdiMaintenanceWindowStatus.
MAINTENANCE_WINDOW_STATES = ["available", "unavailable"]


class DeploymentSerializer(serializers.Serializer):
    download = serializers.ChoiceField(
        HANDLING_TYPES, help_text="forced or attempt, as the rollout's update type says (docs/rollouts.md, "
                                  "\"Action types\"): downloadonly and forced download forced, soft attempt, "
                                  "timeforced attempt until its forced time and forced from it.")
    update = serializers.ChoiceField(
        HANDLING_TYPES, help_text="forced, attempt or skip: skip for downloadonly and outside every maintenance "
                                  "window, else as download.")
    maintenanceWindow = serializers.ChoiceField(
        MAINTENANCE_WINDOW_STATES, required=False,
        help_text="available inside a maintenance window, unavailable outside every one (install later); "
                  "absent when the rollout has no windows.")
    attempt = serializers.IntegerField(
        help_text="Not hawkBit's: which offer of the release this is (1 first; retries count up).")
    chunks = ChunkSerializer(many=True)


class ActionHistorySerializer(serializers.Serializer):
    status = serializers.CharField()
    messages = serializers.ListField(child=serializers.CharField())


class DeploymentBaseSerializer(serializers.Serializer):
    """hawkBit's DdiDeploymentBase."""

    id = serializers.CharField(help_text="The action id (our update id).")
    deployment = DeploymentSerializer()
    actionHistory = ActionHistorySerializer(required=False)


class CancelActionToStopSerializer(serializers.Serializer):
    stopId = serializers.CharField()


class CancelSerializer(serializers.Serializer):
    """hawkBit's DdiCancel."""

    id = serializers.CharField()
    cancelAction = CancelActionToStopSerializer()
