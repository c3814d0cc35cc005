from django.core.management.base import CommandError

from devices.models import Device
from otaportal import audit_context
from otaportal.management.base import PortalCommand
from rollouts.services import consent

# As the device model's fields (devices.models.Device.auto_confirm_*).
MAX_INITIATOR, MAX_REMARK = 128, 512


class Command(PortalCommand):
    help = ("Show a device's auto-confirm (user consent), or turn it on (confirming its updates awaiting "
            "confirmation) or off (future offers ask the device again).")

    def add_arguments(self, parser):
        parser.add_argument("uid", help="The device's uid.")
        switch = parser.add_mutually_exclusive_group()
        switch.add_argument("--on", action="store_true", help="Turn auto-confirm on.")
        switch.add_argument("--off", action="store_true", help="Turn auto-confirm off.")
        parser.add_argument("--initiator", default="", help="Who turns it on (default: your login).")
        parser.add_argument("--remark", default="", help="Why; named in each confirmation.")

    def handle(self, *args, uid, on=False, off=False, initiator="", remark="", **options):
        device = Device.objects.filter(uid=uid).first()
        if device is None:
            raise CommandError(f"No device {uid}.")
        if len(initiator) > MAX_INITIATOR or len(remark) > MAX_REMARK:
            raise CommandError(f"--initiator takes at most {MAX_INITIATOR} characters, --remark {MAX_REMARK}.")
        if (initiator or remark) and not on:
            raise CommandError("--initiator and --remark go with --on.")
        if on:
            try:
                confirmed = consent.activate_auto_confirm(
                    device, initiator or audit_context.operating_system_login(), remark)
            except consent.AutoConfirmAlreadyActive as error:
                raise CommandError(f"{error} Turn it --off first to change the initiator or remark.") from None
            self.stdout.write(f"Auto-confirm of {uid} is on; {len(confirmed)} update(s) awaiting confirmation "
                              f"confirmed" + (f": {', '.join(str(update.pk) for update in confirmed)}."
                                              if confirmed else "."))
        elif off:
            was_on = consent.deactivate_auto_confirm(device)
            self.stdout.write(f"Auto-confirm of {uid} is off" + ("." if was_on else " (it was off already)."))
        else:
            self._show(device)

    def _show(self, device):
        if device.auto_confirm_since is None:
            self.stdout.write(f"Auto-confirm of {device.uid} is off: offers of rollouts asking for consent await "
                              "the device's confirmation.")
            return
        self.stdout.write(f"Auto-confirm of {device.uid} is on since {device.auto_confirm_since.isoformat()}"
                          f" (initiator: {device.auto_confirm_initiator or 'n/a'}, "
                          f"remark: {device.auto_confirm_remark or 'n/a'}).")
