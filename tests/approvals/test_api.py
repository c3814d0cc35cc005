"""The API's side of four-eyes approval: 202 with the pending request; approve, reject, refusals in JSON."""

import pytest

from approvals import services
from approvals.models import ApprovalRequest, RequestState
from audit.models import AuditEntry
from rollouts.models import RolloutState, Strategy
from rollouts.services import transitions
from rollouts.services.approval_rules import ApprovalStep
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def start_url(release):
    return f"/api/v1/rollouts/{release.pk}/start"


def decide_url(approval, decision):
    return f"/api/v1/approvals/{approval['id']}/{decision}"


@pytest.fixture
def pending(client_of, requester, draft_release):
    response = client_of(requester).post(start_url(draft_release), {"strategy": "general"}, format="json")
    assert response.status_code == 202, response.json()
    return response.json()


def test_a_step_needing_approval_answers_202_with_the_pending_request(pending, draft_release):
    assert (pending["step"], pending["state"], pending["requestedBy"]) == ("start", "pending", "alice")
    assert pending["arguments"] == {"strategy": "general"}
    assert pending["release"]["version"] == "2.0.0" and pending["dryRun"]["strategy"] == "general"
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT


def test_another_user_approves_and_the_rollout_starts(pending, client_of, approver, draft_release):
    response = client_of(approver).post(decide_url(pending, "approve"), {"comment": "ok"}, format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["state"], response.json()["decidedBy"]) == ("approved", "bob")
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.RUNNING


def test_approving_ones_own_request_is_refused_403(pending, client_of, requester, draft_release):
    response = client_of(requester).post(decide_url(pending, "approve"), {}, format="json")

    assert response.status_code == 403
    assert "another user must decide it" in response.json()["detail"]
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT


def test_rejection_answers_the_decided_request(pending, client_of, approver):
    response = client_of(approver).post(decide_url(pending, "reject"), {"comment": "wait"}, format="json")

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["decisionComment"]) == ("rejected", "wait")


def test_a_stale_request_is_refused_409_saying_what_changed(pending, client_of, approver, draft_release):
    transitions.set_policy(draft_release.rollout, strategy=Strategy.TARGETED)

    listed = client_of(approver).get(f"/api/v1/approvals/{pending['id']}").json()
    response = client_of(approver).post(decide_url(pending, "approve"), {}, format="json")

    assert "strategy changed" in listed["stale"]
    assert response.status_code == 409
    assert "is stale: the rollout's strategy changed" in response.json()["detail"]
    assert ApprovalRequest.objects.get().state == RequestState.PENDING


def test_a_comment_too_long_is_refused_naming_the_field(pending, client_of, approver):
    response = client_of(approver).post(decide_url(pending, "reject"), {"comment": "x" * 2001}, format="json")

    assert response.status_code == 400 and "comment" in response.json()


@pytest.mark.parametrize("query, listed", [
    ("state=pending", True), ("state=approved", False), ("product=pacemaker", True),
    ("product=toaster", False), ("step=start", True), ("step=widen", False),
])
def test_requests_are_listed_by_state_product_and_step(pending, client_of, approver, query, listed):
    body = client_of(approver).get(f"/api/v1/approvals?{query}").json()

    assert [item["id"] for item in body["results"]] == ([pending["id"]] if listed else [])


def test_a_second_request_for_the_rollout_is_refused_409(pending, client_of, requester, draft_release):
    response = client_of(requester).post(start_url(draft_release), {"strategy": "targeted"}, format="json")

    assert response.status_code == 409 and "already pending" in response.json()["detail"]


def test_the_decision_and_its_comment_go_to_the_audit_log(pending, client_of, approver):
    client_of(approver).post(decide_url(pending, "reject"), {"comment": "not on a Friday"}, format="json")

    entry = AuditEntry.objects.filter(object_type="approvals.approvalrequest").order_by("-sequence").first()
    assert (entry.surface, entry.actor, entry.product) == ("api", "bob", "pacemaker")
    assert entry.changes["state"] == ["pending", "rejected"]
    assert entry.changes["decision_comment"] == ["", "not on a Friday"]


def test_a_widening_past_the_threshold_answers_202(pending, client_of, approver, requester, draft_release):
    client_of(approver).post(decide_url(pending, "approve"), {}, format="json")

    response = client_of(requester).post(f"/api/v1/rollouts/{draft_release.pk}/advance", {"force": True},
                                         format="json")

    assert response.status_code == 202 and response.json()["step"] == "widen"


def test_kaas_software_api_answers_409_when_starting_needs_approval(api, guarded_product):
    response = api.post(f"/otao/api/v1/applications/{guarded_product.key}/software/3.0.0",
                        {"rolloutStrategy": "general"}, format="json")

    assert response.status_code == 409
    assert "needs another user's approval" in response.json()["message"]
    assert not guarded_product.releases.filter(version="3.0.0").exists()  # the request changed nothing


def test_requests_are_listed_in_a_constant_number_of_queries(client_of, requester, approver, guarded_product,
                                                             django_assert_max_num_queries):
    for number in range(8):
        release = ReleaseFactory(product=guarded_product, version=f"3.{number}.0")
        services.perform_or_request(ApprovalStep.START, release.rollout, requester=requester,
                                    strategy=Strategy.GENERAL)
    client = client_of(approver)

    with django_assert_max_num_queries(7):
        body = client.get("/api/v1/approvals").json()

    assert body["count"] == 8 and all(item["stale"] == "" for item in body["results"])
