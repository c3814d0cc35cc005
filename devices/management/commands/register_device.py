from django.core.management.base import CommandError

from devices.management.arguments import name_value
from devices.services import DeviceExists, register_device
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = "Register a device and print its token (shown once) alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--product", required=True, help="Product key.")
        parser.add_argument("--uid", required=True,
                            help="The device's id: letters, digits and -_.: (at most 128).")
        parser.add_argument("--name", default="", help="A readable name.")
        parser.add_argument("--module", action="append", type=name_value, default=[], metavar="NAME=VERSION",
                            help="Installed version of a module; repeat for several.")
        parser.add_argument("--attr", action="append", type=name_value, default=[], metavar="KEY=VALUE",
                            help="A free attribute (region, hardware revision…); repeat for several.")
        parser.add_argument("--tag", action="append", default=[], help="A tag; repeat for several.")
        parser.add_argument("--agent-version", default="", help="Version of the device's update agent.")

    def handle(self, *args, product, uid, name, module, attr, tag, agent_version, **options):
        try:
            issued = register_device(product, uid, name=name, installed_versions=dict(module),
                                     attributes=dict(attr), tags=tag, agent_version=agent_version)
        except DeviceExists as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Registered device {issued.device.uid} of product {issued.device.product.key}.")
        self.stdout.write("Its token is shown this once; store it now:")
        self.stdout.write(issued.token)
