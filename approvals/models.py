"""A rollout step held for a second person's approval (four-eyes), and its decision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rollouts.models import Rollout
from rollouts.services.approval_rules import ApprovalStep

COMMENT_MAX_LENGTH = 2000
APPROVE_PERMISSION = "approvals.approve_approvalrequest"


class RequestState(models.TextChoices):
    PENDING = "pending", "Pending: waiting for a decision"
    APPROVED = "approved", "Approved: the step was performed"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn by the requester"


REQUEST_STATE_COLOURS = {
    RequestState.PENDING: "#ffc107",
    RequestState.APPROVED: "#198754",
    RequestState.REJECTED: "#dc3545",
    RequestState.WITHDRAWN: "#6c757d",
}


class ApprovalRequest(models.Model):
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="approval_requests")
    step = models.CharField(max_length=16, choices=ApprovalStep.choices)
    arguments = models.JSONField(
        default=dict, blank=True,
        help_text="What the step is to do, as it was asked (strategy, filters, phases…)."
    )
    state = models.CharField(max_length=16, choices=RequestState.choices, default=RequestState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="approval_requests")
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    request_comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    policy_snapshot = models.JSONField(
        default=dict, editable=False,
        help_text="The rollout's policy and state when the step was requested: if they change, the request "
                  "is stale.",
    )
    dry_run = models.JSONField(
        null=True, blank=True, editable=False,
        help_text="Who the step would reach when it was requested (rollouts' dry run).")
    dry_run_unavailable = models.CharField(max_length=200, blank=True, editable=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="approval_decisions")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_approvalrequest", "Can approve or reject another user's rollout steps")]
        constraints = [
            # One open question per rollout: a second step would be judged against a policy about to change.
            models.UniqueConstraint(fields=["rollout"], condition=Q(state="pending"),
                                    name="approval_one_pending"),
        ]
        indexes = [models.Index(fields=["state", "-requested_at"], name="approval_state_recent")]

    def __str__(self):
        return f"#{self.pk} {self.get_step_display().lower()} of {self.rollout.release} ({self.state})"
