"""Approval events reach a real receiver through a real Celery worker, signed by the Standard Webhooks scheme."""

from approvals import services
from rollouts.models import Strategy
from rollouts.services.approval_rules import ApprovalStep
from tests.fixtures.services import wait_for


def test_a_request_and_its_approval_are_delivered_signed(celery_worker, receiver, subscribe, draft_release,
                                                         requester, approver):
    # Given a receiver subscribed to approval events
    subscribe(event_types=["approval.requested", "approval.decided"])

    # When alice asks to start the rollout and bob approves
    request = services.perform_or_request(ApprovalStep.START, draft_release.rollout, requester=requester,
                                          strategy=Strategy.GENERAL)
    services.approve(request, approver=approver, comment="checked")

    # Then both arrive, each verified by the standardwebhooks library
    wait_for(lambda: len(receiver.received) == 2, message="both approval webhooks")
    by_type = {received.payload["type"]: received for received in receiver.received}
    assert all(received.verified for received in receiver.received)
    assert by_type["approval.requested"].payload["data"]["state"] == "pending"
    decided = by_type["approval.decided"].payload["data"]
    assert (decided["state"], decided["decidedBy"], decided["decisionComment"]) == ("approved", "bob", "checked")
