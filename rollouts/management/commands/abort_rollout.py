from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.services import transitions


class Command(RolloutCommand):
    help = "Abort a rollout for good; offers not yet being installed are canceled."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        parser.add_argument("--reason", required=True, help="Why (shown in the admin and the API).")

    def handle(self, *args, release, reason, **options):
        release = find_release(release)
        transitions.abort(release.rollout, reason)
        event = release.rollout.events.first()
        self.stdout.write(self.style.SUCCESS(f"Aborted the rollout of {release_label(release)}: {event.message}"))
