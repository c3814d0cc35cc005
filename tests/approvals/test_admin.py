"""The admin's side: the rollout's Start button asks for approval; the request's page approves it."""

import pytest

from approvals.models import ApprovalRequest, RequestState
from audit.models import AuditEntry
from rollouts.models import RolloutState

pytestmark = pytest.mark.django_db


def start_page(release):
    return f"/admin/rollouts/rollout/{release.rollout.pk}/start/"


def test_the_start_button_records_a_request_and_says_so(client, requester, draft_release):
    client.force_login(requester)

    response = client.post(start_page(draft_release), {"strategy": "general"}, follow=True)

    request = ApprovalRequest.objects.get()
    said = f"request #{request.pk}</a> (start the rollout) waits for another user"
    assert said in response.content.decode()
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT


def test_the_request_page_shows_the_dry_run_and_offers_approve_to_another_user(client, requester, approver,
                                                                                  draft_release):
    client.force_login(requester)
    client.post(start_page(draft_release), {"strategy": "general"})
    request = ApprovalRequest.objects.get()
    client.force_login(approver)

    page = client.get(f"/admin/approvals/approvalrequest/{request.pk}/change/").content.decode()
    response = client.post(f"/admin/approvals/approvalrequest/{request.pk}/approve/", {"comment": "go"})

    assert "device(s) at 5.0 % (general)" in page and "/approve/" in page
    assert response.status_code == 302
    request.refresh_from_db()
    draft_release.rollout.refresh_from_db()
    assert (request.state, request.decision_comment) == (RequestState.APPROVED, "go")
    assert draft_release.rollout.state == RolloutState.RUNNING


def test_the_requester_gets_an_error_message_not_an_approval(client, requester, draft_release):
    client.force_login(requester)
    client.post(start_page(draft_release), {"strategy": "general"})
    request = ApprovalRequest.objects.get()

    response = client.post(f"/admin/approvals/approvalrequest/{request.pk}/approve/", {"comment": "me"},
                           follow=True)

    assert "another user must decide it" in response.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.PENDING


def test_requests_are_never_added_changed_or_deleted_by_hand(admin_client, requester, draft_release, client):
    client.force_login(requester)
    client.post(start_page(draft_release), {"strategy": "general"})
    request = ApprovalRequest.objects.get()

    assert admin_client.get("/admin/approvals/approvalrequest/add/").status_code == 403
    deletion = admin_client.post(f"/admin/approvals/approvalrequest/{request.pk}/delete/", {"post": "yes"})
    assert deletion.status_code == 403
    assert admin_client.get("/admin/approvals/approvalrequest/?state=pending&q=pacemaker").status_code == 200


def test_approval_is_required_from_the_products_admin_page_and_the_change_is_audited(admin_client, product):
    form = {"key": "thermostat", "name": "Thermostat", "description": "", "resource_space": "",
            "poll_interval": "00:05:00", "requires_approval": "on", "approval_threshold": "25",
            "modules-TOTAL_FORMS": "0", "modules-INITIAL_FORMS": "0",
            "maintenance_windows-TOTAL_FORMS": "0", "maintenance_windows-INITIAL_FORMS": "0"}

    response = admin_client.post(f"/admin/catalog/product/{product.pk}/change/", form)

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.requires_approval and product.approval_threshold == 25
    entry = AuditEntry.objects.get(object_type="catalog.product")
    assert (entry.surface, entry.actor, entry.product) == ("admin", "admin", "thermostat")
    assert entry.changes == {"requires_approval": [False, True], "approval_threshold": ["0.00", "25.00"]}
