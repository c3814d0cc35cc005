from catalog.services.releases import deprecate_release, find_release
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = "Deprecate a release: devices are no longer offered it, and the APIs show it with the reason."

    def add_arguments(self, parser):
        parser.add_argument("product", help="Product key.")
        parser.add_argument("version")
        parser.add_argument("--module", default=None, help="Module name (default: 'default').")
        parser.add_argument("--reason", required=True, help="Why; shown to API clients.")

    def handle(self, *args, product, version, module, reason, **options):
        release = deprecate_release(find_release(product, module, version), reason)
        self.stdout.write(self.style.SUCCESS(f"Deprecated {release}: {release.deprecate_reason}"))
