"""User consent: hawkBit's confirmation flow on our device updates (docs/rollouts.md, "User consent").

A rollout that ``requires_confirmation`` offers each device its update as
``awaiting_confirmation``, unless the device's auto-confirm is on (then it is
``offered`` at once, as hawkBit starts an auto-confirmed action running). The
device answers:

- ``confirmed``: the update proceeds as an offered one would (downloading next);
- ``denied``: the device refuses it for now. A denial counts apart from
  failures (rollouts.services.progress): it is not an outcome, never pauses the
  rollout, and the release is not offered again; the device may take it back by
  confirming while the rollout still offers the release. hawkBit keeps a denied
  action waiting and asks again on every poll; here the denial is the answer
  until the device changes its mind (docs/ddi.md says how DDI shows it).

A ``confirmed`` update not yet downloading may be denied again (hawkBit lets a
device revoke its consent until the deployment starts). Each answer is one
atomic function writing the update, its device event and its action-log entry.

Auto-confirm (hawkBit's ``activateAutoConfirm``) is kept on the device: turning
it on confirms every update of the device awaiting confirmation at once, and
future offers skip the question; a denial stands, since the device gave it.
Turning it on twice is refused (hawkBit answers 409); turning it off when it is
off changes nothing (hawkBit answers 200). Saving the device bumps its stamp
(devices.signals), so its remembered answers are given no more.

Switching auto-confirm locks the device row FOR NO KEY UPDATE: it still waits for an
offer reading it (``offer_start``), and no longer for a report on one of its updates,
which holds that update's row and inserts the device's event (a foreign key's KEY SHARE
lock): with FOR UPDATE, the two waited for each other when the report was a confirmation.
"""

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from catalog.choices import ReleaseStatus
from devices.models import Device, DeviceEvent
from rollouts.models import ACTIVE_STATUSES, DeviceUpdate, LogChannel, RolloutState, UpdateStatus
from rollouts.policy import ReleasePolicy
from rollouts.services import update_log
from rollouts.services.feedback import InvalidTransition, check_transition
from rollouts.services.update_log import Report

S = UpdateStatus
# Waiting for the device's consent: deploymentBase answers 404, confirmationBase serves them (hawkBit's
# WAIT_FOR_CONFIRMATION; a denied action stays in it in hawkBit).
UNCONFIRMED_STATUSES = frozenset({S.AWAITING_CONFIRMATION, S.DENIED})
OFFERING_STATES = (RolloutState.RUNNING, RolloutState.COMPLETED)
# hawkBit's message for a confirmation's code (ConfirmationManagement.CONFIRMATION_CODE_MSG_PREFIX).
CODE_MESSAGE = "Confirmation status code: {}"
# hawkBit's remark when a device turns auto-confirm on over DDI without a body.
FALLBACK_REMARK = "Initiated using the Device Direct Integration API without providing a remark."


class ConsentRefused(InvalidTransition):
    """The update cannot take this answer now.

    ``closed``: it is no longer active (hawkBit answers 410 Gone); otherwise it
    does not wait for the device's consent (hawkBit answers 404).
    """

    def __init__(self, update: DeviceUpdate, status: str, why: str, closed: bool):
        super().__init__(update, status, why)
        self.closed = closed


class AutoConfirmAlreadyActive(Exception):
    """hawkBit's AutoConfirmationAlreadyActiveException (409)."""

    def __init__(self, device: Device):
        super().__init__(f"Auto confirmation is already active for device {device.uid}.")


def offer_start(device: Device, release: ReleasePolicy) -> tuple[str, str]:
    """The status a new offer of ``release`` to ``device`` starts in, and what its event says when auto-confirm
    answered for the device (empty when it did not). Call it in the offer's transaction, before writing it.

    ``device`` was read before the decision; its auto-confirm may have been turned on since, after
    activate_auto_confirm looked for the updates awaiting confirmation. So an offer that would ask the
    device reads its auto-confirm again under its row lock: auto-confirm turned on before is seen, and
    auto-confirm turned on after waits for the offer and then confirms it. Offers that ask nothing read nothing.
    """
    if not release.requires_confirmation:
        return S.OFFERED, ""
    if device.auto_confirm_since is None:
        device = (Device.objects.select_for_update(no_key=True)
                  .only("auto_confirm_since", "auto_confirm_initiator", "auto_confirm_remark").get(pk=device.pk))
        if device.auto_confirm_since is None:
            return S.AWAITING_CONFIRMATION, ""
    return S.OFFERED, auto_confirm_message(device)


def auto_confirm_message(device: Device) -> str:
    """hawkBit's message for an action auto-confirm confirmed (AutoConfirmationStatus.constructActionMessage)."""
    return (f"Assignment automatically confirmed by initiator '{device.auto_confirm_initiator or 'n/a'}'. "
            f"Remark: {device.auto_confirm_remark or 'n/a'}")


def confirm(update: DeviceUpdate, code: int | None = None, details=(), channel: str = LogChannel.DDI
            ) -> DeviceUpdate:
    """The device consents: the update proceeds (downloading next). A denial is taken back so too,
    while the rollout still offers the release. Raises ConsentRefused."""
    return _answer(update, S.CONFIRMED, code, tuple(details), channel)


def deny(update: DeviceUpdate, code: int | None = None, details=(), channel: str = LogChannel.DDI
         ) -> DeviceUpdate:
    """The device refuses the update (or revokes its consent before downloading). Raises ConsentRefused."""
    return _answer(update, S.DENIED, code, tuple(details), channel)


def _answer(update: DeviceUpdate, status: str, code, details: tuple, channel: str) -> DeviceUpdate:
    messages = (*details, CODE_MESSAGE.format(code)) if code is not None else details
    report = Report(channel, status, messages)
    with transaction.atomic():
        update = (DeviceUpdate.objects.select_for_update(of=("self",))
                  .select_related("release__module", "release__rollout").get(pk=update.pk))
        _check(update, status)
        if update.status == status:  # the same answer again: a retried request, kept in the log
            update_log.append(update, status, report)
            return update
        _move(update, status, "; ".join(messages), report)
    return update


def _check(update: DeviceUpdate, status: str) -> None:
    try:
        check_transition(update, status)
    except InvalidTransition as error:
        closed = update.status not in ACTIVE_STATUSES and update.status not in UNCONFIRMED_STATUSES
        raise ConsentRefused(update, status, error.why, closed) from None
    if update.status == S.DENIED and status == S.CONFIRMED and not _still_offered(update):
        raise ConsentRefused(update, status, "its rollout no longer offers it", closed=True)


def _still_offered(update: DeviceUpdate) -> bool:
    release = update.release
    return release.status == ReleaseStatus.ACTIVE and release.rollout.state in OFFERING_STATES


def _move(update: DeviceUpdate, status: str, reason: str, report: Report) -> None:
    """Write the answer: the update, its device event and its log entry (the caller's transaction)."""
    update.status, update.reason, update.status_changed_at = status, reason[:2000], timezone.now()
    update.save(update_fields=["status", "reason", "status_changed_at", "updated_at"])
    release = update.release
    DeviceEvent.objects.create(
        device_id=update.device_id, kind=DeviceEvent.Kind.UPDATE_STATUS,
        message=f"{release.module.name} {release.version}: {status}" + (f" ({reason[:500]})" if reason else ""),
        data={"updateId": update.pk, "status": status, "attempt": update.attempt},
    )
    update_log.append(update, status, report)


def pending_consent(device: Device) -> DeviceUpdate | None:
    """The update the device's consent is asked for: the newest awaiting confirmation, else the newest
    denial it may still take back (its rollout offers the release). One query."""
    offered = Q(release__status=ReleaseStatus.ACTIVE, release__rollout__state__in=OFFERING_STATES)
    awaiting_first = Case(When(status=S.AWAITING_CONFIRMATION, then=Value(0)), default=Value(1),
                          output_field=IntegerField())
    return (DeviceUpdate.objects.filter(device=device)
            .filter(Q(status=S.AWAITING_CONFIRMATION) | Q(offered, status=S.DENIED))
            .select_related("release__module", "release__rollout", "release__artifact")
            .order_by(awaiting_first, "-offered_at").first())


def activate_auto_confirm(device: Device, initiator: str = "", remark: str = "") -> list[DeviceUpdate]:
    """Turn the device's auto-confirm on and confirm its updates awaiting confirmation; returns them.

    Raises AutoConfirmAlreadyActive when it is on already.
    """
    with transaction.atomic():
        device = Device.objects.select_for_update(no_key=True).get(pk=device.pk)
        if device.auto_confirm_since is not None:
            raise AutoConfirmAlreadyActive(device)
        device.auto_confirm_since = timezone.now()
        device.auto_confirm_initiator, device.auto_confirm_remark = initiator or "", remark or ""
        device.save(update_fields=["auto_confirm_since", "auto_confirm_initiator", "auto_confirm_remark",
                                   "updated_at"])
        DeviceEvent.objects.create(
            device=device, kind=DeviceEvent.Kind.UPDATED,
            message="auto-confirm turned on" + (f" by {initiator}" if initiator else "")
                    + (f": {remark}" if remark else ""),
            data={"autoConfirm": True, "initiator": initiator or None, "remark": remark or None},
        )
        waiting = list(DeviceUpdate.objects.select_for_update(of=("self",))
                       .select_related("release__module", "release__rollout")
                       .filter(device=device, status=S.AWAITING_CONFIRMATION).order_by("pk"))
        message = auto_confirm_message(device)
        for update in waiting:
            _move(update, S.CONFIRMED, message, Report(LogChannel.PORTAL, "auto-confirmed", (message,)))
    return waiting


def deactivate_auto_confirm(device: Device) -> bool:
    """Turn the device's auto-confirm off; future offers ask again. Returns whether it was on."""
    with transaction.atomic():
        device = Device.objects.select_for_update(no_key=True).get(pk=device.pk)
        if device.auto_confirm_since is None:
            return False
        device.auto_confirm_since, device.auto_confirm_initiator, device.auto_confirm_remark = None, "", ""
        device.save(update_fields=["auto_confirm_since", "auto_confirm_initiator", "auto_confirm_remark",
                                   "updated_at"])
        DeviceEvent.objects.create(device=device, kind=DeviceEvent.Kind.UPDATED,
                                   message="auto-confirm turned off", data={"autoConfirm": False})
    return True
