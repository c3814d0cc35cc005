from django.core.management.base import CommandError

from devices.models import Device
from devices.services import rotate_token
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = "Give a device a new token (the old one stops working at once); prints it alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("uid", help="The device's uid.")

    def handle(self, *args, uid, **options):
        device = Device.objects.filter(uid=uid).first()
        if device is None:
            raise CommandError(f"No device has the uid {uid!r}.")
        plaintext = rotate_token(device)
        self.stdout.write(f"New token of device {device.uid}; the old one no longer works. Store it now:")
        self.stdout.write(plaintext)
