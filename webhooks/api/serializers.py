from rest_framework import serializers

from catalog.models import Product
from webhooks.choices import EventType
from webhooks.models import Attempt, Delivery, Subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    eventTypes = serializers.ListField(
        source="event_types", child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False, min_length=1
    )
    product = serializers.SlugRelatedField(
        slug_field="key", queryset=Product.objects.all(), required=False, allow_null=True,
        help_text="Only this product's events; null: every product's.",
    )
    isActive = serializers.BooleanField(source="is_active", required=False)
    consecutiveFailures = serializers.IntegerField(source="consecutive_failures", read_only=True)
    disabledAt = serializers.DateTimeField(source="disabled_at", read_only=True, allow_null=True)
    disabledReason = serializers.CharField(source="disabled_reason", read_only=True)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)
    updatedAt = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "name", "url", "eventTypes", "product", "isActive", "consecutiveFailures",
                  "disabledAt", "disabledReason", "createdAt", "updatedAt"]
        # The model's validators run in the service (full_clean), which names the failing field.
        extra_kwargs = {"url": {"validators": []}}


class SubscriptionWithSecretSerializer(SubscriptionSerializer):
    secret = serializers.SerializerMethodField(help_text="The signing secret (whsec_…). Shown this once.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]

    def get_secret(self, subscription) -> str:
        return self.context["secret"]


class AttemptSerializer(serializers.ModelSerializer):
    statusCode = serializers.IntegerField(source="status_code", allow_null=True)
    latencyMs = serializers.IntegerField(source="latency_ms")
    responseExcerpt = serializers.CharField(source="response_excerpt")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Attempt
        fields = ["number", "statusCode", "latencyMs", "responseExcerpt", "error", "createdAt"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    eventId = serializers.CharField(source="event_id")
    eventType = serializers.CharField(source="event.type")
    payload = serializers.JSONField(source="event.payload")
    nextAttemptAt = serializers.DateTimeField(source="next_attempt_at")
    createdAt = serializers.DateTimeField(source="created_at")
    finishedAt = serializers.DateTimeField(source="finished_at", allow_null=True)
    attemptLog = AttemptSerializer(source="attempt_log", many=True)

    class Meta:
        model = Delivery
        fields = ["id", "eventId", "eventType", "state", "attempts", "nextAttemptAt", "createdAt",
                  "finishedAt", "payload", "attemptLog"]
        read_only_fields = fields
