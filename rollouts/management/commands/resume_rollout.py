from approvals.management.base import perform_or_request
from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.services.approval_rules import ApprovalStep

USER_HELP = ("Who asks (a portal user): needed when the product requires approval for the step, which then "
             "waits for another user's decision (decide_request).")


class Command(RolloutCommand):
    help = "Resume a paused rollout (after an automatic pause, approval may be required)."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        parser.add_argument("--user", help=USER_HELP)

    def handle(self, *args, release, user, **options):
        release = find_release(release)
        if perform_or_request(self, ApprovalStep.RESUME, release.rollout, user,
                              message="resumed with resume_rollout"):
            self.stdout.write(self.style.SUCCESS(f"Resumed the rollout of {release_label(release)}."))
