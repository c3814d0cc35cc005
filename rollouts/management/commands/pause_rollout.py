from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.services import transitions


class Command(RolloutCommand):
    help = "Pause a rollout: devices not yet offered the release stop getting it; offers already made stand."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        parser.add_argument("--reason", default="", help="Why (shown in the admin and the API).")

    def handle(self, *args, release, reason, **options):
        release = find_release(release)
        rollout = transitions.pause(release.rollout, reason or "paused with pause_rollout")
        self.stdout.write(self.style.SUCCESS(f"Paused the rollout of {release_label(release)}: {rollout.state_reason}"))
