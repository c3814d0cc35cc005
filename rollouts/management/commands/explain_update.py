from django.core.management.base import CommandError

from catalog.models import Release
from devices.models import Device
from rollouts import decision
from rollouts.management.base import RolloutCommand, release_label


class Command(RolloutCommand):
    help = ("Why a device gets (or does not get) an update: every rule of the decision, passed or failed. "
            "Without --version: what it would be offered now, and why not the newest version of each module.")

    def add_base_argument(self, parser, *args, **kwargs):
        if "--version" in args:  # here --version names the release to explain, not Django's version
            return
        super().add_base_argument(parser, *args, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("uid", help="The device's uid.")
        parser.add_argument("--version", help="The version to explain.")
        parser.add_argument("--module", default="default", help="The version's module (default: default).")

    def handle(self, *args, uid, version=None, module="default", **options):
        device = Device.objects.select_related("product").filter(uid=uid).first()
        if device is None:
            raise CommandError(f"No device {uid}.")
        releases = Release.objects.select_related("product", "module").filter(product=device.product)
        if version:
            release = releases.filter(module__name=module, version=version).first()
            if release is None:
                raise CommandError(f"{device.product.key} has no version {version} of module {module}.")
            self._explain(device, release)
            return
        chosen = decision.decide(device)
        self.stdout.write(f"{uid} would be offered: "
                          + (f"{chosen.release.module} {chosen.release.version}" if chosen else "nothing"))
        for name in sorted(device.installed_versions or {}):
            newest = releases.filter(module__name=name).order_by("-version_key", "-version").first()
            if newest is not None:
                self._explain(device, newest)

    def _explain(self, device, release):
        explanation = decision.explain(device, release)
        verdict = "gets" if explanation.offered else "does not get"
        self.stdout.write(f"\n{device.uid} {verdict} {release_label(release)}:")
        for result in explanation.results:
            mark = "ok  " if result.passed else "FAIL"
            self.stdout.write(f"  {mark} {result.rule}: {result.detail}")
