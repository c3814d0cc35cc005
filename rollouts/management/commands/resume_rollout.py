from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.services import transitions


class Command(RolloutCommand):
    help = "Resume a paused rollout."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)

    def handle(self, *args, release, **options):
        release = find_release(release)
        transitions.resume(release.rollout, message="resumed with resume_rollout")
        self.stdout.write(self.style.SUCCESS(f"Resumed the rollout of {release_label(release)}."))
