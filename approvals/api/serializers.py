from rest_framework import serializers

from approvals import payloads, services
from approvals.models import COMMENT_MAX_LENGTH, RequestState
from rollouts.services.approval_rules import ApprovalStep


class ReleaseNameSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    product = serializers.CharField()
    module = serializers.CharField()
    version = serializers.CharField()


class ApprovalRequestSerializer(serializers.Serializer):
    """An approval request as approvals.payloads.request_data writes it (webhooks carry the same)."""

    id = serializers.IntegerField()
    step = serializers.ChoiceField(choices=ApprovalStep.choices)
    state = serializers.ChoiceField(choices=RequestState.choices)
    stale = serializers.CharField(
        help_text="Why approving would be refused as stale; empty when it would not.")
    release = ReleaseNameSerializer()
    arguments = serializers.JSONField(help_text="What the step is to do, as it was asked.")
    comment = serializers.CharField(help_text="The requester's comment.")
    requestedBy = serializers.CharField(allow_null=True)
    requestedAt = serializers.DateTimeField()
    decidedBy = serializers.CharField(allow_null=True)
    decidedAt = serializers.DateTimeField(allow_null=True)
    decisionComment = serializers.CharField()
    policy = serializers.JSONField(help_text="The rollout's policy and state when the step was requested.")
    dryRun = serializers.JSONField(allow_null=True,
                                   help_text="Who the step would reach, counted when requested.")
    dryRunUnavailable = serializers.CharField()

    def to_representation(self, request):
        stale = services.stale_reason(request) if request.state == RequestState.PENDING else ""
        return payloads.request_data(request, stale_reason=stale)


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=COMMENT_MAX_LENGTH,
                                    help_text="Why; kept with the decision and in the audit log.")
