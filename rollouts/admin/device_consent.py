"""A device's auto-confirm (user consent) on its admin page: the state, and buttons to turn it on or off.

The devices app may not import rollouts, so, as device_pages does, this module adds
its section to DeviceAdmin's ``page_sections`` and its two buttons to its
``object_actions``; both buttons go through rollouts.services.consent, as the
API, the command and DDI do, and are logged in the device's admin history.
"""

from django.contrib import messages
from django.template.loader import render_to_string

from catalog.admin.object_actions import object_action
from devices.admin.devices import DeviceAdmin
from rollouts.services import consent


def auto_confirm_section(request, device):
    """The device's auto-confirm state, shown to whoever may see rollouts."""
    if not request.user.has_perm("rollouts.view_rollout"):
        return None
    return render_to_string("admin/devices/device/auto_confirm_section.html", {"device": device}, request=request)


@object_action("Turn auto-confirm on", available=lambda model_admin, device: device.auto_confirm_since is None)
def turn_auto_confirm_on(model_admin, request, device):
    try:
        confirmed = consent.activate_auto_confirm(device, request.user.get_username(), "turned on in the admin")
    except consent.AutoConfirmAlreadyActive as error:
        model_admin.message_user(request, str(error), messages.WARNING)
        return
    model_admin.log_and_report(
        request, [device], "Turned auto-confirm on.",
        f"Auto-confirm of {device.uid} is on: {len(confirmed)} update(s) awaiting confirmation confirmed; future "
        "offers skip the question.")


@object_action("Turn auto-confirm off", available=lambda model_admin, device: device.auto_confirm_since is not None)
def turn_auto_confirm_off(model_admin, request, device):
    consent.deactivate_auto_confirm(device)
    model_admin.log_and_report(request, [device], "Turned auto-confirm off.",
                               f"Auto-confirm of {device.uid} is off: future offers ask the device again.")


DeviceAdmin.turn_auto_confirm_on = turn_auto_confirm_on
DeviceAdmin.turn_auto_confirm_off = turn_auto_confirm_off
DeviceAdmin.object_actions = (*DeviceAdmin.object_actions, "turn_auto_confirm_on", "turn_auto_confirm_off")
DeviceAdmin.page_sections.append(auto_confirm_section)
