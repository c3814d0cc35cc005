from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rollouts.models import (
    LONGEST_BACKOFF,
    LONGEST_TIMEOUT,
    MAX_ATTEMPTS,
    MAX_OFFERS_PER_MINUTE,
    SHORTEST_BACKOFF,
    SHORTEST_TIMEOUT,
    Rollout,
    RolloutState,
    Strategy,
    UpdateStatus,
    UpdateType,
)
from rollouts.services import budget


class FilterScheduleSerializer(serializers.Serializer):
    filterId = serializers.UUIDField()
    rolloutDate = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                            help_text="Devices matching the filter get the release from then on.")


class PhaseSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        read_only=True, help_text="Where the phase runs, counted from 0: people read position 0 as phase 1 (the "
                                  "admin, rollout_status and event messages number phases from 1).")
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    minSoak = serializers.DurationField(source="min_soak", required=False, default=timedelta(0),
                                        help_text='How long the phase runs at least: "HH:MM:SS", "D HH:MM:SS" '
                                                  'or ISO 8601 ("PT6H").')
    successThreshold = serializers.DecimalField(source="success_threshold", max_digits=5, decimal_places=2,
                                                min_value=0, max_value=100, required=False, default=95)
    failureThreshold = serializers.DecimalField(source="failure_threshold", max_digits=5, decimal_places=2,
                                                min_value=0, max_value=100, required=False, default=5)


class StartSerializer(serializers.Serializer):
    strategy = serializers.ChoiceField(choices=Strategy.choices, help_text="targeted or general.")
    filters = FilterScheduleSerializer(many=True, required=False)
    phases = PhaseSerializer(many=True, required=False)


class UpdateTypeField(serializers.ChoiceField):
    """hawkBit's action types; ``attempt`` (this API's name before 2026-11) is read as ``soft``."""

    ALIASES = {"attempt": UpdateType.SOFT}

    def __init__(self, **kwargs):
        super().__init__(choices=[*UpdateType.values, *self.ALIASES], **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        return self.ALIASES.get(value, value)


class PolicySerializer(serializers.Serializer):
    """``PATCH``: only the fields given change; the rollout's state stays as it is.

    Every field but the strategy, filters and phases is a delivery option
    (rollouts.services.delivery), given to ``set_policy`` by its model name.
    """

    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    filters = FilterScheduleSerializer(many=True, required=False)
    phases = PhaseSerializer(many=True, required=False)
    skipDispatchingToEndpoint = serializers.BooleanField(source="skip_dispatching_to_endpoint", required=False)
    updateType = UpdateTypeField(
        source="update_type", required=False,
        help_text="hawkBit's action type: forced, soft, timeforced (soft until forcedTime, then forced) or "
                  "downloadonly; attempt is read as soft. docs/rollouts.md, \"Action types\", maps each to both "
                  "device protocols.",
    )
    forcedTime = serializers.DateTimeField(source="forced_at", required=False, allow_null=True,
                                           help_text="timeforced: the moment the update becomes forced.")
    downloadTimeout = serializers.DurationField(
        source="download_timeout", required=False, allow_null=True, min_value=SHORTEST_TIMEOUT,
        max_value=LONGEST_TIMEOUT,
        help_text=f"How long a device may stay downloading or downloaded before its update times out and counts as "
                  f'a failure: "HH:MM:SS", "D HH:MM:SS" or ISO 8601 ("PT2H"), {SHORTEST_TIMEOUT} to '
                  f"{LONGEST_TIMEOUT.days} days; null: never.",
    )
    installTimeout = serializers.DurationField(
        source="install_timeout", required=False, allow_null=True, min_value=SHORTEST_TIMEOUT,
        max_value=LONGEST_TIMEOUT,
        help_text="How long a device may stay installing before its update times out and counts as a failure, "
                  "in the same form; null: never.",
    )
    maxAttempts = serializers.IntegerField(
        source="max_attempts", required=False, min_value=1, max_value=MAX_ATTEMPTS,
        help_text=f"Offers in all to a device whose update failed or timed out (1: no retry; at most {MAX_ATTEMPTS}).",
    )
    retryBackoff = serializers.DurationField(
        source="retry_backoff", required=False, min_value=SHORTEST_BACKOFF, max_value=LONGEST_BACKOFF,
        help_text="The wait before the second attempt, doubling with each further one (e.g. \"PT10M\").",
    )
    retryRolledBack = serializers.BooleanField(source="retry_rolled_back", required=False,
                                               help_text="Retry devices that rolled the update back too.")
    offersPerMinute = serializers.IntegerField(
        source="offers_per_minute", required=False, allow_null=True, min_value=1, max_value=MAX_OFFERS_PER_MINUTE,
        help_text="Rate budget: new offers per minute over all hosts (AWS IoT Jobs' maximumPerMinute); null: none.",
    )
    rateGrowthFactor = serializers.DecimalField(
        source="rate_growth_factor", required=False, allow_null=True, max_digits=3, decimal_places=2,
        min_value=Decimal("1.1"), max_value=Decimal("5"),
        help_text="Exponential rate: multiply the budget by this after every rateGrowthEvery successes.",
    )
    rateGrowthEvery = serializers.IntegerField(source="rate_growth_every", required=False, allow_null=True,
                                               min_value=1, help_text="Exponential rate: successes per step.")
    requiresConfirmation = serializers.BooleanField(
        source="requires_confirmation", required=False,
        help_text="User consent: devices confirm or deny the update first (DDI confirmationBase; check-in "
                  "awaiting_confirmation), unless their auto-confirm is on.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AbortSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class AdvanceSerializer(serializers.Serializer):
    force = serializers.BooleanField(required=False, default=False,
                                     help_text="Advance even if the soak time or the success threshold is not met.")


class DryRunQuerySerializer(serializers.Serializer):
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                          required=False)
    phase = serializers.IntegerField(min_value=0, required=False,
                                     help_text="A phase's position, counted from 0 (phase 1 is 0).")
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False,
                                       help_text="Preview as targeted or general (default: the rollout's).")

    def validate_strategy(self, strategy):
        if strategy == Strategy.SUSPENDED:
            raise serializers.ValidationError("A suspended rollout offers nothing: preview targeted or general.")
        return strategy

    def validate(self, attrs):
        if "percentage" in attrs and "phase" in attrs:
            raise serializers.ValidationError({"phase": "Give a percentage or a phase, not both."})
        return attrs


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    byStatus = serializers.DictField(child=serializers.IntegerField(),
                                     help_text=f"Updates per status: {', '.join(UpdateStatus.values)}.")
    successRate = serializers.FloatField(allow_null=True)
    failureRate = serializers.FloatField(allow_null=True)
    denials = serializers.IntegerField(help_text="Updates the devices denied when asked for their consent: not "
                                                 "failures, and not in either rate.")


class BudgetSerializer(serializers.Serializer):
    allowedPerMinute = serializers.IntegerField(help_text="New offers allowed this minute: offersPerMinute, grown "
                                                          "by rateGrowthFactor every rateGrowthEvery successes.")
    usedThisMinute = serializers.IntegerField(help_text="New offers made this minute, over every process and host.")


def counts_of(outcomes) -> dict:
    return {"total": outcomes.total, "byStatus": outcomes.as_dict(), "successRate": outcomes.success_rate,
            "failureRate": outcomes.failure_rate, "denials": outcomes.denials}


class RolloutSerializer(serializers.ModelSerializer):
    releaseId = serializers.UUIDField(source="release_id")
    product = serializers.CharField(source="release.product.key")
    module = serializers.CharField(source="release.module.name")
    version = serializers.CharField(source="release.version")
    state = serializers.ChoiceField(choices=RolloutState.choices)
    stateReason = serializers.CharField(source="state_reason")
    skipDispatchingToEndpoint = serializers.BooleanField(source="skip_dispatching_to_endpoint")
    updateType = serializers.CharField(source="update_type")
    downloadTimeout = serializers.DurationField(source="download_timeout", allow_null=True)
    installTimeout = serializers.DurationField(source="install_timeout", allow_null=True)
    forcedTime = serializers.DateTimeField(source="forced_at", allow_null=True)
    maxAttempts = serializers.IntegerField(source="max_attempts")
    retryBackoff = serializers.DurationField(source="retry_backoff")
    retryRolledBack = serializers.BooleanField(source="retry_rolled_back")
    offersPerMinute = serializers.IntegerField(source="offers_per_minute", allow_null=True)
    rateGrowthFactor = serializers.DecimalField(source="rate_growth_factor", max_digits=3, decimal_places=2,
                                                allow_null=True)
    rateGrowthEvery = serializers.IntegerField(source="rate_growth_every", allow_null=True)
    requiresConfirmation = serializers.BooleanField(source="requires_confirmation")
    currentPhase = serializers.IntegerField(
        source="current_phase", help_text="Position of the phase in force, counted from 0 (the admin and "
                                          "rollout_status show it as phase currentPhase + 1).")
    phaseStartedAt = serializers.DateTimeField(source="phase_started_at")
    filters = serializers.SerializerMethodField()
    phases = PhaseSerializer(many=True)
    counts = serializers.SerializerMethodField()
    countsByPhase = serializers.SerializerMethodField(
        help_text="Counts per phase, keyed by the phase's position counted from 0 (\"0\" is phase 1).")
    budget = serializers.SerializerMethodField(help_text="The rate budget this minute; null without one.")

    class Meta:
        model = Rollout
        fields = ["releaseId", "product", "module", "version", "strategy", "state", "stateReason",
                  "skipDispatchingToEndpoint", "updateType", "forcedTime", "downloadTimeout", "installTimeout",
                  "maxAttempts", "retryBackoff", "retryRolledBack", "offersPerMinute", "rateGrowthFactor",
                  "rateGrowthEvery", "requiresConfirmation", "currentPhase", "phaseStartedAt", "filters", "phases",
                  "counts", "countsByPhase", "budget"]
        read_only_fields = fields

    def _progress(self, rollout):
        return self.context["progress"][str(rollout.release_id)]

    def get_filters(self, rollout) -> list[dict]:
        return [{"filterId": str(link.filter_id), "name": link.filter.name,
                 "rolloutDate": link.rollout_date.isoformat() if link.rollout_date else None}
                for link in rollout.rollout_filters.all()]

    def get_counts(self, rollout) -> CountsSerializer:
        return counts_of(self._progress(rollout).overall)

    def get_countsByPhase(self, rollout) -> dict:
        return {str(position): counts_of(outcomes) for position, outcomes in self._progress(rollout).by_phase.items()}

    @extend_schema_field(BudgetSerializer(allow_null=True))
    def get_budget(self, rollout) -> dict | None:
        current = budget.budget_of(rollout, timezone.now())
        if current is None:
            return None
        return {"allowedPerMinute": current.allowed_per_minute, "usedThisMinute": current.used_this_minute}


class RuleResultSerializer(serializers.Serializer):
    rule = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField()


class ExplanationSerializer(serializers.Serializer):
    device = serializers.CharField()
    releaseId = serializers.CharField()
    module = serializers.CharField()
    version = serializers.CharField()
    offered = serializers.BooleanField(help_text="Every rule passed: the device gets this version.")
    rules = RuleResultSerializer(many=True)


def explanation_data(explanation) -> dict:
    release = explanation.release
    return {
        "device": explanation.device_uid, "releaseId": release.release_id, "module": release.module,
        "version": release.version, "offered": explanation.offered,
        "rules": [{"rule": r.rule, "passed": r.passed, "detail": r.detail} for r in explanation.results],
    }
