"""The rollout admin's risky steps go through four-eyes approval (approvals.services) like the API's.

Start, Advance phase, Resume and a policy edit switching a live rollout to general
either run, or, when the product requires approval, become an approval request that
the user is told about, with a link to it.
"""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.html import format_html

from approvals import services as approvals
from approvals.models import ApprovalRequest

# What the admin tells the user and writes in the rollout's admin history about a refused request.
REFUSED = (approvals.ApprovalRefused,)


def step(approval_step: str):
    """A transition-shaped ``(rollout, actor=..., **arguments)`` that may answer an ApprovalRequest."""

    def perform_or_request(rollout, *, actor, **arguments):
        return approvals.perform_or_request(approval_step, rollout, requester=actor, **arguments)

    return perform_or_request


def report_request(model_admin, request, rollout, approval: ApprovalRequest) -> None:
    url = reverse("admin:approvals_approvalrequest_change", args=[quote(approval.pk)],
                  current_app=model_admin.admin_site.name)
    step = approval.get_step_display().lower()
    model_admin.log_and_report(
        request, [rollout], f"Requested approval: {step} (request #{approval.pk}).",
        format_html('{}: <a href="{}">request #{}</a> ({}) waits for another user\'s approval.',
                    rollout.release, url, approval.pk, step),
        messages.WARNING,
    )
