"""Four-eyes approval: the one path the admin, the API and the commands take for the risky rollout steps.

``perform_or_request`` runs a step through its transition; when the transition answers
that the step needs approval (rollouts.services.approval_rules), it records an
ApprovalRequest instead, with the rollout's policy as it stands and the step's dry run.
Another user holding the ``approve`` permission then approves it (the transition runs,
for the requester, in the same transaction) or rejects it. A request whose rollout
changed since it was asked is stale: approving it is refused.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import arguments as step_arguments
from approvals import evidence
from approvals.models import APPROVE_PERMISSION, ApprovalRequest, RequestState
from approvals.signals import approval_decided, approval_requested
from rollouts.models import Rollout
from rollouts.services import transitions
from rollouts.services.approval_rules import ApprovalStep


class ApprovalRefused(Exception):
    """The decision or request is refused (APIs answer 403 or 409; the message says why)."""

    forbidden = False  # True: the user may not do this at all (403); False: not now (409)


class NotAnApprover(ApprovalRefused):
    forbidden = True


class SelfApproval(ApprovalRefused):
    forbidden = True


class StaleRequest(ApprovalRefused):
    pass


class NotPending(ApprovalRefused):
    pass


class AlreadyPending(ApprovalRefused):
    pass


def _locked_rollout(pk) -> Rollout:
    return Rollout.objects.select_for_update().select_related("release__product").get(pk=pk)


def _transition(step: str):
    return {
        ApprovalStep.START: transitions.start,
        ApprovalStep.WIDEN: transitions.advance_phase,
        ApprovalStep.GENERAL: transitions.set_policy,
        ApprovalStep.PHASES: transitions.set_policy,
        ApprovalStep.RESUME: transitions.resume,
    }[step]


def perform_or_request(step: str, rollout: Rollout, *, requester, comment: str = "", **arguments):
    """Perform the step, or, when it needs approval, return the pending ApprovalRequest recorded instead.

    ``arguments`` are the transition's (strategy, filters, phases… for start and
    policy changes; force for widening). A policy change that does not switch a live
    rollout to general is simply performed.
    """
    try:
        return _transition(step)(rollout, actor=requester, **arguments)
    except transitions.ApprovalRequired as required:
        if requester is None:  # a request names who asks: the caller must say (commands take --user)
            raise
        return request_approval(required.step, rollout, requester=requester, comment=comment, **arguments)


def request_approval(step: str, rollout: Rollout, *, requester, comment: str = "",
                     **arguments) -> ApprovalRequest:
    encoded = step_arguments.encode(arguments)
    try:
        with transaction.atomic():
            rollout = _locked_rollout(rollout.pk)
            dry_run, unavailable = evidence.step_dry_run(step, rollout, encoded)
            request = ApprovalRequest.objects.create(
                rollout=rollout, step=step, arguments=encoded, requested_by=requester,
                request_comment=comment.strip(), policy_snapshot=evidence.policy_snapshot(rollout),
                dry_run=dry_run, dry_run_unavailable=unavailable,
            )
            approval_requested.send(sender=ApprovalRequest, request=request)
    except IntegrityError:
        pending = ApprovalRequest.objects.filter(rollout=rollout, state=RequestState.PENDING).first()
        number = pending.pk if pending else "?"
        raise AlreadyPending(f"Request #{number} is already pending for this rollout: have it decided or "
                             f"withdrawn first.") from None
    return request


def stale_reason(request: ApprovalRequest) -> str:
    """Why approving the request would approve something other than what was shown; "" when it would not."""
    changed = evidence.changed_since(request.policy_snapshot, request.rollout)
    if not changed:
        return ""
    requested_at = request.requested_at.isoformat(timespec="seconds")
    return (f"Request #{request.pk} is stale: the rollout's {', '.join(changed)} changed since it was "
            f"requested at {requested_at}. Reject it and ask again.")


def _locked_pending(request: ApprovalRequest) -> ApprovalRequest:
    """The request, locked after its rollout (the order request_approval and the transitions lock in)."""
    rollout = _locked_rollout(request.rollout_id)
    request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    request.rollout = rollout
    if request.state != RequestState.PENDING:
        raise NotPending(f"Request #{request.pk} is {request.state} already.")
    return request


def _check_approver(request: ApprovalRequest, approver) -> None:
    if not approver.has_perm(APPROVE_PERMISSION):
        raise NotAnApprover(f"{approver.get_username()} may not decide approval requests: it takes the "
                            f"'{APPROVE_PERMISSION}' permission.")
    if request.requested_by_id == approver.pk:
        raise SelfApproval(f"Request #{request.pk} was made by {approver.get_username()}: another user must "
                           f"decide it (four eyes).")


def _decide(request: ApprovalRequest, state: str, decider, comment: str) -> ApprovalRequest:
    request.state, request.decided_by, request.decided_at = state, decider, timezone.now()
    request.decision_comment = comment.strip()
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    approval_decided.send(sender=ApprovalRequest, request=request)
    return request


def approve(request: ApprovalRequest, *, approver, comment: str = "") -> ApprovalRequest:
    """Perform the step for its requester and record the approval, in one transaction."""
    with transaction.atomic():
        request = _locked_pending(request)
        _check_approver(request, approver)
        stale = stale_reason(request)
        if stale:
            raise StaleRequest(stale)
        try:
            arguments = step_arguments.decode(request.arguments)
        except step_arguments.ArgumentsGone as gone:
            raise StaleRequest(f"Request #{request.pk} is stale: {gone}. Reject it and ask again.") from None
        perform = _transition(request.step)
        perform(request.rollout, actor=request.requested_by, approved_by=approver, **arguments)
        return _decide(request, RequestState.APPROVED, approver, comment)


def reject(request: ApprovalRequest, *, approver, comment: str = "") -> ApprovalRequest:
    with transaction.atomic():
        request = _locked_pending(request)
        _check_approver(request, approver)
        return _decide(request, RequestState.REJECTED, approver, comment)


def withdraw(request: ApprovalRequest, *, requester, comment: str = "") -> ApprovalRequest:
    """The requester takes the request back (nobody else may)."""
    with transaction.atomic():
        request = _locked_pending(request)
        if request.requested_by_id != requester.pk:
            raise NotAnApprover(f"Only the requester may withdraw request #{request.pk}; others reject it.")
        return _decide(request, RequestState.WITHDRAWN, requester, comment)
