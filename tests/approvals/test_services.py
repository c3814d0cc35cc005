"""Four-eyes approval in the domain: which steps wait, who may decide, and what a decision does."""

from decimal import Decimal

import pytest

from approvals import services
from approvals.models import ApprovalRequest, RequestState
from rollouts.models import DeviceUpdate, EventKind, RolloutState, Strategy, UpdateStatus
from rollouts.services import transitions
from rollouts.services.approval_rules import ApprovalStep
from tests.factories import DeviceFactory, ProductFactory, ReleaseFactory
from tests.fixtures.rollouts import attach_verified_artifact
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db


def request_start(release, requester, strategy=Strategy.GENERAL):
    return services.perform_or_request(ApprovalStep.START, release.rollout, requester=requester,
                                       strategy=strategy)


def phases(*percentages):
    return [transitions.PhaseSpec(Decimal(percentage)) for percentage in percentages]


def running(release, requester, approver):
    """The rollout started (approved), in its first phase (5 %)."""
    services.approve(request_start(release, requester), approver=approver)
    release.rollout.refresh_from_db()
    return release.rollout


def test_starting_becomes_a_pending_request_with_its_dry_run(draft_release, requester):
    outcome = request_start(draft_release, requester)

    assert isinstance(outcome, ApprovalRequest)
    assert (outcome.step, outcome.state) == (ApprovalStep.START, RequestState.PENDING)
    assert outcome.requested_by == requester
    assert outcome.dry_run["strategy"] == "general" and outcome.dry_run["percentage"] == 5.0
    assert outcome.policy_snapshot["state"] == RolloutState.DRAFT
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT


def test_the_requester_may_not_approve_their_own_request(draft_release, requester):
    pending = request_start(draft_release, requester)

    with pytest.raises(services.SelfApproval, match="another user must decide it"):
        services.approve(pending, approver=requester)

    pending.refresh_from_db()
    draft_release.rollout.refresh_from_db()
    assert pending.state == RequestState.PENDING and draft_release.rollout.state == RolloutState.DRAFT


def test_a_user_without_the_approve_permission_may_not_decide(draft_release, requester, bystander):
    pending = request_start(draft_release, requester)

    with pytest.raises(services.NotAnApprover, match="approve_approvalrequest"):
        services.approve(pending, approver=bystander)


def test_approval_performs_the_step_for_the_requester(draft_release, requester, approver):
    pending = request_start(draft_release, requester)

    decided = services.approve(pending, approver=approver, comment="dry run looks right")

    rollout = draft_release.rollout
    rollout.refresh_from_db()
    assert (rollout.state, rollout.strategy) == (RolloutState.RUNNING, Strategy.GENERAL)
    assert rollout.events.get(kind=EventKind.STARTED).actor == requester
    assert (decided.state, decided.decided_by, decided.decision_comment) == (
        RequestState.APPROVED, approver, "dry run looks right")


def test_rejection_leaves_the_rollout_as_it_was(draft_release, requester, approver):
    pending = request_start(draft_release, requester)

    decided = services.reject(pending, approver=approver, comment="not before the weekend")

    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT
    assert (decided.state, decided.decision_comment) == (RequestState.REJECTED, "not before the weekend")


def test_a_request_is_stale_once_the_policy_changed(draft_release, requester, approver):
    pending = request_start(draft_release, requester)
    transitions.set_policy(draft_release.rollout, phases=[transitions.PhaseSpec(Decimal(100))])

    with pytest.raises(services.StaleRequest, match="the rollout's phases changed since it was requested"):
        services.approve(pending, approver=approver)

    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT


def test_a_decided_request_cannot_be_decided_again(draft_release, requester, approver):
    pending = request_start(draft_release, requester)
    services.reject(pending, approver=approver)

    with pytest.raises(services.NotPending, match="rejected already"):
        services.approve(pending, approver=approver)


def test_one_request_at_a_time_per_rollout(draft_release, requester):
    first = request_start(draft_release, requester)

    with pytest.raises(services.AlreadyPending, match=f"Request #{first.pk} is already pending"):
        request_start(draft_release, requester, strategy=Strategy.TARGETED)


def test_only_the_requester_withdraws(draft_release, requester, approver):
    pending = request_start(draft_release, requester)

    with pytest.raises(services.NotAnApprover):
        services.withdraw(pending, requester=approver)
    assert services.withdraw(pending, requester=requester).state == RequestState.WITHDRAWN


def test_widening_within_the_threshold_needs_no_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)
    transitions.set_policy(rollout, phases=phases(5, 10, 100))

    outcome = services.perform_or_request(ApprovalStep.WIDEN, rollout, requester=requester, force=True)

    assert outcome.current_phase == 1


def test_widening_past_the_threshold_waits_for_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)

    outcome = services.perform_or_request(ApprovalStep.WIDEN, rollout, requester=requester, force=True)

    assert isinstance(outcome, ApprovalRequest) and outcome.step == ApprovalStep.WIDEN
    assert outcome.dry_run["percentage"] == 50.0
    services.approve(outcome, approver=approver)
    rollout.refresh_from_db()
    assert rollout.current_phase == 1


def test_switching_a_live_rollout_to_general_waits_for_approval(draft_release, requester, approver):
    services.approve(request_start(draft_release, requester, strategy=Strategy.TARGETED), approver=approver)

    outcome = services.perform_or_request(ApprovalStep.GENERAL, draft_release.rollout, requester=requester,
                                          strategy=Strategy.GENERAL)

    assert isinstance(outcome, ApprovalRequest) and outcome.arguments == {"strategy": "general"}
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.strategy == Strategy.TARGETED


def test_a_drafts_policy_changes_without_approval(draft_release, requester):
    outcome = services.perform_or_request(ApprovalStep.GENERAL, draft_release.rollout, requester=requester,
                                          strategy=Strategy.GENERAL)

    assert outcome.strategy == Strategy.GENERAL and outcome.state == RolloutState.DRAFT


def test_resuming_after_an_automatic_pause_waits_for_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)
    transitions.pause(rollout, "failure threshold crossed", automatic=True)

    outcome = services.perform_or_request(ApprovalStep.RESUME, rollout, requester=requester)

    assert isinstance(outcome, ApprovalRequest) and outcome.step == ApprovalStep.RESUME


def test_resuming_after_an_operators_pause_needs_no_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)
    transitions.pause(rollout, "looking at logs")

    assert services.perform_or_request(ApprovalStep.RESUME, rollout, requester=requester).state == "running"


def test_a_product_without_approval_performs_every_step(requester):
    release = ReleaseFactory(product=ProductFactory(key="toaster"), version="1.0.0")
    attach_verified_artifact(release)

    outcome = request_start(release, requester)

    assert outcome.state == RolloutState.RUNNING and not ApprovalRequest.objects.exists()


def test_a_transition_called_directly_refuses_a_step_needing_approval(draft_release):
    with pytest.raises(transitions.ApprovalRequired, match="needs another user's approval"):
        transitions.start(draft_release.rollout, strategy=Strategy.GENERAL)


def test_requests_and_decisions_are_webhook_events(subscribe, draft_release, requester, approver):
    subscribe(event_types=["approval.requested", "approval.decided"])

    services.reject(request_start(draft_release, requester), approver=approver, comment="no")

    requested, decided = WebhookEvent.objects.order_by("created_at", "id")
    assert requested.payload["type"] == "approval.requested"
    asked, answered = requested.payload["data"], decided.payload["data"]
    assert (asked["requestedBy"], asked["state"]) == ("alice", "pending")
    assert decided.payload["type"] == "approval.decided"
    assert (answered["state"], answered["decisionComment"]) == ("rejected", "no")


def test_the_periodic_widening_stops_before_a_phase_needing_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)
    transitions.advance_phase(rollout, force=True, approved_by=approver)  # 5 % → 50 %, approved
    rollout.refresh_from_db()
    assert rollout.current_phase == 1
    # the phase has proved itself: one update installed, no soak time
    DeviceUpdate.objects.create(device=DeviceFactory(product=draft_release.product), release=draft_release,
                                phase=1, status=UpdateStatus.INSTALLED)
    assert not transitions.advance_blockers(rollout, transitions.phase_in_force(rollout))

    widened = transitions.advance_due_phases()

    rollout.refresh_from_db()
    assert widened == 0 and rollout.current_phase == 1


def test_editing_live_phases_past_the_threshold_waits_for_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)  # phase 1 of 5 % → 50 % → 100 %

    outcome = services.perform_or_request(ApprovalStep.GENERAL, rollout, requester=requester,
                                          phases=phases(100))

    assert isinstance(outcome, ApprovalRequest) and outcome.step == ApprovalStep.PHASES
    assert outcome.dry_run["percentage"] == 100.0
    services.approve(outcome, approver=approver)
    assert list(rollout.phases.values_list("percentage", flat=True)) == [Decimal(100)]


def test_editing_phases_within_the_threshold_needs_no_approval(draft_release, requester, approver):
    rollout = running(draft_release, requester, approver)

    outcome = services.perform_or_request(ApprovalStep.GENERAL, rollout, requester=requester,
                                          phases=phases(5, 100))

    assert outcome == rollout and rollout.phases.count() == 2
