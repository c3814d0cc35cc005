"""Commands take the same path: start, advance, resume ask for approval as --user; decide_request decides."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from approvals.models import ApprovalRequest, RequestState
from rollouts.models import RolloutState

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_start_rollout_as_a_user_records_a_request(draft_release, requester):
    output = run("start_rollout", "pacemaker:2.0.0", "--strategy", "general", "--user", "alice")

    request = ApprovalRequest.objects.get()
    assert f"Approval requested: #{request.pk} start the rollout" in output
    assert f"decide_request {request.pk} approve" in output
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.DRAFT


def test_another_user_approves_with_decide_request(draft_release, requester, approver):
    run("start_rollout", "pacemaker:2.0.0", "--strategy", "general", "--user", "alice")
    request = ApprovalRequest.objects.get()

    output = run("decide_request", str(request.pk), "approve", "--user", "bob", "--comment", "fine")

    assert "approved" in output
    draft_release.rollout.refresh_from_db()
    assert draft_release.rollout.state == RolloutState.RUNNING


def test_decide_request_refuses_the_requester(draft_release, requester):
    run("start_rollout", "pacemaker:2.0.0", "--strategy", "general", "--user", "alice")

    with pytest.raises(CommandError, match="another user must decide it"):
        run("decide_request", str(ApprovalRequest.objects.get().pk), "reject", "--user", "alice")

    assert ApprovalRequest.objects.get().state == RequestState.PENDING


def test_a_step_needing_approval_without_user_is_refused(draft_release):
    with pytest.raises(CommandError, match="needs another user's approval"):
        run("start_rollout", "pacemaker:2.0.0", "--strategy", "general")


def test_approval_requests_lists_the_pending_ones(draft_release, requester):
    run("start_rollout", "pacemaker:2.0.0", "--strategy", "general", "--user", "alice")

    assert "start the rollout of pacemaker" in run("approval_requests")


def test_an_unknown_user_is_a_command_error(draft_release):
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run("start_rollout", "pacemaker:2.0.0", "--strategy", "general", "--user", "nobody")
