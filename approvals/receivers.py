"""Requests and decisions become webhook events ("approval.requested", "approval.decided").

Recorded in the transaction of the request or decision, delivered once it commits.
"""

from django.dispatch import receiver

from approvals import payloads
from approvals.signals import approval_decided, approval_requested
from webhooks import events
from webhooks.choices import EventType
from webhooks.tasks import send_on_commit


def _record(event_type: str, request) -> None:
    send_on_commit(events.record(event_type, payloads.request_data(request),
                                 product_id=request.rollout.release.product_id))


@receiver(approval_requested, dispatch_uid="approvals.webhook_requested")
def requested(sender, request, **kwargs):
    _record(EventType.APPROVAL_REQUESTED, request)


@receiver(approval_decided, dispatch_uid="approvals.webhook_decided")
def decided(sender, request, **kwargs):
    _record(EventType.APPROVAL_DECIDED, request)
