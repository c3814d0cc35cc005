"""``manage.py simulate_fleet --devices N --releases M``: a realistic fleet, fast (rollouts/simulation/)."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from rollouts import simulation


class Command(BaseCommand):
    help = (
        "Create or grow a simulated fleet: products, modules, releases with verified artifacts, device "
        "filters, running rollouts in phases, and devices with attributes, tags, installed versions and "
        "update states. Running it again with the same numbers changes nothing; bigger numbers add what "
        "is missing. Device tokens are derived from SECRET_KEY (see rollouts/simulation/)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--devices", type=int, required=True, help="Devices the fleet should have.")
        parser.add_argument("--releases", type=int, default=10, help="Releases across the fleet's products.")
        parser.add_argument("--rollouts", type=int, default=100,
                            help="How many of the newest releases roll out (the rest are suspended).")
        parser.add_argument("--filters", type=int, default=20, help="Device filters to define.")
        parser.add_argument("--products", type=int, default=3,
                            help=f"Products (1 to {len(simulation.PRODUCT_KINDS)}).")
        parser.add_argument("--name", default="sim", help="Fleet name: prefix of its products and device uids.")
        parser.add_argument("--batch-size", type=int, default=10_000, help="Devices written per COPY batch.")
        parser.add_argument("--prune", action="store_true",
                            help="Delete the fleet's releases beyond --releases (with their rollouts and updates).")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, **options):
        try:
            spec = simulation.FleetSpec(
                devices=options["devices"], releases=options["releases"], rollouts=options["rollouts"],
                filters=options["filters"], products=options["products"], name=options["name"],
                batch_size=options["batch_size"], prune=options["prune"],
            )
        except simulation.FleetError as error:
            raise CommandError(str(error)) from None
        started = time.monotonic()
        bar = tqdm(total=None, unit="device", unit_scale=True, desc="devices", file=sys.stderr,
                   disable=options["no_progress"] or None, dynamic_ncols=True)

        def progress(done, total):
            bar.total = total
            bar.update(done)

        try:
            report = simulation.generate(spec, progress=progress)
        except simulation.FleetError as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        self.stdout.write(
            f"Fleet {spec.name!r}: {report.devices_total} devices ({report.devices_created} new), "
            f"{report.releases_total} releases ({report.releases_created} new, {report.releases_deleted} pruned), "
            f"{report.running_rollouts} running rollouts, {report.filters_created} new filters, "
            f"{report.updates_created} new device updates, in {time.monotonic() - started:.1f} s."
        )
