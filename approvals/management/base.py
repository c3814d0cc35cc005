"""Commands acting for a portal user: who requests or decides is named with ``--user``."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from approvals import services
from approvals.models import ApprovalRequest
from otaportal import audit_context
from otaportal.management.base import PortalCommand


def portal_user(username: str):
    """The user named ``username``, who the command acts for (and the audit log names)."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username!r}.")
    audit_context.acting_as(user)
    return user


def describe(request: ApprovalRequest) -> str:
    requester = request.requested_by.get_username() if request.requested_by else "someone"
    requested_at = request.requested_at.isoformat(timespec="seconds")
    return (f"#{request.pk} {request.get_step_display().lower()} of {request.rollout.release}, "
            f"requested by {requester} at {requested_at}: {request.state}")


def perform_or_request(command, step: str, rollout, username: str | None, **arguments) -> bool:
    """Run a rollout step for ``--user`` (or nobody); False, said on stdout, when a request waits instead."""
    requester = portal_user(username) if username else None
    outcome = services.perform_or_request(step, rollout, requester=requester, **arguments)
    if not isinstance(outcome, ApprovalRequest):
        return True
    command.stdout.write(command.style.WARNING(
        f"Approval requested: {describe(outcome)}. Another user with the approve permission decides it: "
        f"decide_request {outcome.pk} approve --user NAME"))
    return False


class ApprovalCommand(PortalCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except services.ApprovalRefused as refused:
            raise CommandError(str(refused)) from refused
