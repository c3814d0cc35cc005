from approvals.management.base import perform_or_request
from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.management.commands.resume_rollout import USER_HELP
from rollouts.services.approval_rules import ApprovalStep


class Command(RolloutCommand):
    help = "Widen a rollout to its next phase (or complete it after the last) once the phase proved itself."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        parser.add_argument("--force", action="store_true",
                            help="Advance even if the soak time or the success threshold is not met.")
        parser.add_argument("--user", help=USER_HELP)

    def handle(self, *args, release, force, user, **options):
        release = find_release(release)
        if perform_or_request(self, ApprovalStep.WIDEN, release.rollout, user, force=force):
            event = release.rollout.events.first()
            self.stdout.write(self.style.SUCCESS(f"{release_label(release)}: {event.message}"))
