from approvals.management.base import perform_or_request
from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.management.commands.resume_rollout import USER_HELP
from rollouts.models import Strategy
from rollouts.services.approval_rules import ApprovalStep


class Command(RolloutCommand):
    help = "Start a rollout with its filters and phases as they are set (targeted or general)."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        parser.add_argument("--strategy", choices=[Strategy.TARGETED, Strategy.GENERAL], required=True)
        parser.add_argument("--user", help=USER_HELP)

    def handle(self, *args, release, strategy, user, **options):
        release = find_release(release)
        if perform_or_request(self, ApprovalStep.START, release.rollout, user, strategy=strategy):
            started = f"Started the rollout of {release_label(release)} ({strategy})."
            self.stdout.write(self.style.SUCCESS(started))
