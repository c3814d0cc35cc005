from django.core.management.base import CommandError

from approvals import services
from approvals.management.base import ApprovalCommand, describe, portal_user
from approvals.models import COMMENT_MAX_LENGTH, ApprovalRequest

DECISIONS = {"approve": services.approve, "reject": services.reject}


class Command(ApprovalCommand):
    help = ("Approve (the step is performed for its requester) or reject an approval request, as --user: "
            "a user holding the approve permission who did not make the request.")

    def add_arguments(self, parser):
        parser.add_argument("request", type=int, help="The request's number (approval_requests lists them).")
        parser.add_argument("decision", choices=sorted(DECISIONS))
        parser.add_argument("--user", required=True, help="Who decides.")
        parser.add_argument("--comment", default="", help=f"Why (at most {COMMENT_MAX_LENGTH} characters).")

    def handle(self, *args, request, decision, user, comment, **options):
        if len(comment) > COMMENT_MAX_LENGTH:
            raise CommandError(f"--comment: at most {COMMENT_MAX_LENGTH} characters.")
        approval = ApprovalRequest.objects.filter(pk=request).first()
        if approval is None:
            raise CommandError(f"No approval request #{request}.")
        decided = DECISIONS[decision](approval, approver=portal_user(user), comment=comment)
        self.stdout.write(self.style.SUCCESS(describe(decided)))
