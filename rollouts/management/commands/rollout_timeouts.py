from argparse import SUPPRESS, ArgumentTypeError

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.dateparse import parse_duration

from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.models import LONGEST_TIMEOUT, SHORTEST_TIMEOUT
from rollouts.services import transitions

NEVER = "never"
DURATION_HELP = (f'"HH:MM:SS", "D HH:MM:SS" or ISO 8601 ("PT2H"), from {SHORTEST_TIMEOUT} to {LONGEST_TIMEOUT.days} '
                 f'days; "{NEVER}" removes the timeout.')


def duration_or_never(text: str):
    if text == NEVER:
        return None
    duration = parse_duration(text)
    if duration is None:
        raise ArgumentTypeError(f"{text!r} is not a duration: give {DURATION_HELP}")
    return duration


class Command(RolloutCommand):
    help = ("Show or set a rollout's progress timeouts: an update stuck downloading or installing longer times "
            "out and counts as a failure (docs/rollouts.md, \"Progress timeouts\").")

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        # Left out of the options when not given: "never" (None) must differ from "not given".
        parser.add_argument("--download", type=duration_or_never, default=SUPPRESS,
                            help="Downloading or downloaded at most: " + DURATION_HELP)
        parser.add_argument("--install", type=duration_or_never, default=SUPPRESS,
                            help="Installing at most: " + DURATION_HELP)

    def handle(self, *args, release, **options):
        release = find_release(release)
        rollout = release.rollout
        given = {f"{name}_timeout": options[name] for name in ("download", "install") if name in options}
        if given:
            try:
                rollout = transitions.set_policy(rollout, **given)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"{release_label(release)}: download timeout {rollout.download_timeout or NEVER}, "
                          f"install timeout {rollout.install_timeout or NEVER}")

