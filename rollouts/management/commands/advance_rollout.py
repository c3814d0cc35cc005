from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.services import transitions


class Command(RolloutCommand):
    help = "Widen a rollout to its next phase (or complete it after the last) once the phase proved itself."

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        parser.add_argument("--force", action="store_true",
                            help="Advance even if the soak time or the success threshold is not met.")

    def handle(self, *args, release, force, **options):
        release = find_release(release)
        transitions.advance_phase(release.rollout, force=force)
        event = release.rollout.events.first()
        self.stdout.write(self.style.SUCCESS(f"{release_label(release)}: {event.message}"))
