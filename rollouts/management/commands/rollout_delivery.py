from argparse import SUPPRESS, BooleanOptionalAction

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.models import MAX_ATTEMPTS, UpdateType
from rollouts.services import delivery, transitions

NONE = "none"


def none_or_text(text: str):
    """The option's text for its field to read ("none" empties a field that may be empty)."""
    return None if text == NONE else text


class Command(RolloutCommand):
    help = ("Show or set how a rollout delivers its release: the action type, retries, the rate budget and user "
            "consent (docs/rollouts.md). Progress timeouts: rollout_timeouts; maintenance windows: "
            "maintenance_windows.")

    def add_arguments(self, parser):
        parser.add_argument("release", help=RELEASE_HELP)
        # Errors name the option an operator typed, not the model field it sets.
        self.option_of = {}

        def option(flag, field, **kwargs):
            # Options left out are not changed: SUPPRESS keeps them out, so only those given reach set_policy.
            parser.add_argument(flag, dest=field, default=SUPPRESS, **kwargs)
            self.option_of[field] = flag

        option("--action-type", "update_type", choices=UpdateType.values,
               help="forced, soft, timeforced (soft until --forced-time) or downloadonly.")
        option("--forced-time", "forced_at", type=none_or_text,
               help='timeforced: when it becomes forced, ISO 8601 ("2026-12-01T02:00:00+01:00").')
        option("--max-attempts", "max_attempts",
               help=f"Offers in all to a device whose update failed or timed out (1 to {MAX_ATTEMPTS}).")
        option("--retry-backoff", "retry_backoff",
               help='The wait before the second attempt, doubling with each further one ("0:10:00").')
        option("--retry-rolled-back", "retry_rolled_back", action=BooleanOptionalAction,
               help="Retry devices that rolled the update back too.")
        option("--offers-per-minute", "offers_per_minute", type=none_or_text,
               help=f'Rate budget: new offers a minute over all hosts; "{NONE}": no budget.')
        option("--rate-growth-factor", "rate_growth_factor", type=none_or_text,
               help=f'Exponential rate: multiply the budget by this (1.1 to 5); "{NONE}": no growth.')
        option("--rate-growth-every", "rate_growth_every", type=none_or_text,
               help=f'Exponential rate: successful updates per growth step; "{NONE}" with --rate-growth-factor '
                    f'{NONE}: no growth.')
        option("--requires-confirmation", "requires_confirmation", action=BooleanOptionalAction,
               help="User consent: devices confirm or deny the update first.")

    def handle(self, *args, release, **options):
        release = find_release(release)
        rollout = release.rollout
        given = {name: options[name] for name in delivery.FIELDS if name in options}
        if given:
            try:
                rollout = transitions.set_policy(rollout, **given)
            except ValidationError as error:
                raise CommandError("; ".join(f"{self.option_of.get(name, name)}: {' '.join(messages)}"
                                             for name, messages in error.message_dict.items())) from None
        self.stdout.write(f"{release_label(release)}: {delivery.describe(rollout)}")
