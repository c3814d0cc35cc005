from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rollouts.conditions import MAX_CONDITIONS, OPERATORS
from rollouts.models import DeviceFilter


# For the schema only: conditions are validated by rollouts.conditions, which refuses unknown keys.
CONDITIONS_SCHEMA = {
    "type": "array", "maxItems": MAX_CONDITIONS,
    "items": {
        "type": "object", "required": ["field", "op"], "additionalProperties": False,
        "properties": {
            "field": {"type": "string", "description": "product, uid, tags, agent_version, attributes.<key> or "
                                                       "installed.<module>."},
            "op": {"type": "string", "enum": list(OPERATORS),
                   "description": "Each operator takes the fields and values of its kind (docs/rollouts.md)."},
            "value": {"description": "Any JSON value the operator takes; none for `exists`."},
        },
    },
}


@extend_schema_field(CONDITIONS_SCHEMA)
class ConditionsField(serializers.JSONField):
    """Taken as sent: rollouts.conditions validates them and names the bad ones (``conditions[2].op``)."""


class DeviceFilterSerializer(serializers.ModelSerializer):
    filterId = serializers.UUIDField(source="id", read_only=True)
    conditions = ConditionsField(help_text="All must hold; an empty list matches every device.")
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)
    usedBy = serializers.SerializerMethodField(help_text="Ids of the releases whose rollout uses the filter.")

    class Meta:
        model = DeviceFilter
        fields = ["id", "filterId", "name", "description", "conditions", "createdAt", "updatedAt", "usedBy"]
        read_only_fields = ["id"]
        # Uniqueness and condition rules are the service's (rollouts.services.filters).
        extra_kwargs = {"name": {"validators": []}}

    def get_usedBy(self, device_filter) -> list[str]:
        return [str(link.rollout.release_id) for link in device_filter.rollout_filters.all()]


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    exact = serializers.BooleanField(help_text="False: PostgreSQL's planner estimate (the exact count was slow).")
    method = serializers.ChoiceField(choices=["count", "estimate"])
