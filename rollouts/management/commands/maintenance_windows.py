from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_duration

from catalog.models import Product
from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from rollouts.services import maintenance


class Command(RolloutCommand):
    help = ("List, add or remove the maintenance windows of a product (every rollout without windows of its own) "
            "or of one rollout: devices install only inside one (docs/rollouts.md, \"Maintenance windows\").")

    def add_arguments(self, parser):
        parser.add_argument("owner", help=f"A product's key, or a release for its rollout: {RELEASE_HELP}")
        parser.add_argument("--add", metavar="CRON",
                            help='Add a window opening at each moment this cron names, e.g. "0 2 * * *".')
        parser.add_argument("--duration", default="3:00:00", help="How long the added window stays open "
                                                                 "(default 3:00:00).")
        parser.add_argument("--time-zone", default="UTC", help="The zone the cron is read in (default UTC).")
        parser.add_argument("--remove", type=int, metavar="ID", help="Remove the window with this id.")

    def handle(self, *args, owner, add, duration, time_zone, remove, **options):
        owner, label = self._owner(owner)
        if add is not None:
            self._add(owner, add, duration, time_zone)
        if remove is not None:
            window = owner.maintenance_windows.filter(pk=remove).first()
            if window is None:
                raise CommandError(f"{label} has no maintenance window {remove}.")
            maintenance.remove_window(window)
        windows = maintenance.windows_of(owner)
        if not windows:
            self.stdout.write(f"{label}: no maintenance windows")
        now = timezone.now()
        for window in windows:
            self.stdout.write(f"{label}: window {window.pk}: {window}: {maintenance.standing_text(window, now)}")

    def _owner(self, name: str):
        product = None if ":" in name else Product.objects.filter(key=name).first()
        if product is not None:
            return product, f"product {product.key}"
        release = find_release(name)
        return release.rollout, release_label(release)

    def _add(self, owner, schedule: str, duration_text: str, time_zone: str) -> None:
        duration = parse_duration(duration_text)
        if duration is None:
            raise CommandError(f"--duration: {duration_text!r} is not a duration such as 3:00:00.")
        try:
            maintenance.add_window(owner, schedule, duration, time_zone)
        except ValidationError as error:
            option = {"schedule": "--add: ", "time_zone": "--time-zone: ", NON_FIELD_ERRORS: ""}
            raise CommandError("; ".join(f"{option.get(name, f'--{name}: ')}{' '.join(messages)}"
                                         for name, messages in error.message_dict.items())) from None
