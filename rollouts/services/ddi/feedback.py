"""DDI feedback mapped onto the update state machine (rollouts.services.feedback), as docs/ddi.md tabulates.

``deploymentBase/{actionId}/feedback``:

==========================  ==========================================================
DDI status                  our update status
==========================  ==========================================================
download                    downloading
downloaded                  downloaded
proceeding, resumed         offered or confirmed → downloading, downloaded → installing, else kept
scheduled                   kept (recorded)
closed + success or none    installed (hawkBit treats none as success)
closed + failure            failed
rejected                    rejected
canceled                    rejected before installing started, failed after
==========================  ==========================================================

A report that needs an earlier step the device skipped (``closed`` straight
after the offer) passes through ``downloading`` first, which the state machine
requires. An intermediate report that would move the update backwards is kept
as an event and changes nothing, as hawkBit keeps such messages; a closing one
that cannot happen answers 409. Once an update is closed (installed, failed,
rejected…) a different report answers 410 Gone, as hawkBit does for an action
that is no longer active; the same report again is accepted, so a retried
request does no harm. A timed-out update (rollouts.services.timeouts) is the
exception: any report on it is kept and answered 200, never refused, so an
agent that was only slow is not told its action vanished.

Every report applied or kept goes into the update's action log
(rollouts.services.update_log) with its ``details`` lines and status code;
``actionHistory`` returns them.

``cancelAction/{actionId}/feedback`` answers a withdrawn update: ``closed``
confirms the cancellation, ``rejected`` refuses it (the update stays canceled
here: the portal never offers a withdrawn release again, and later reports on
it answer 410); both end the ``cancelAction`` link. Other statuses are kept as
events.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from devices.models import DeviceEvent
from devices.stamps import forget_devices
from rollouts.models import CLOSED_STATUSES, OPEN_STATUSES, DeviceUpdate, LogChannel, UpdateStatus
from rollouts.services import feedback as state_machine
from rollouts.services import update_log
from rollouts.services.feedback import InvalidTransition
from rollouts.services.update_log import Report

S = UpdateStatus
# A device event names the report; the update's log (rollouts.services.update_log) keeps all of it.
MAX_EVENT_TEXT = 2000


class Execution:
    CLOSED = "closed"
    PROCEEDING = "proceeding"
    CANCELED = "canceled"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"
    RESUMED = "resumed"
    DOWNLOADED = "downloaded"
    DOWNLOAD = "download"
    ALL = (CLOSED, PROCEEDING, CANCELED, SCHEDULED, REJECTED, RESUMED, DOWNLOADED, DOWNLOAD)
    CLOSING = (CLOSED, REJECTED, CANCELED)


class Finished:
    SUCCESS = "success"
    FAILURE = "failure"
    NONE = "none"
    ALL = (SUCCESS, FAILURE, NONE)


class ActionClosed(Exception):
    """The action is no longer active: hawkBit answers 410 Gone."""

    def __init__(self, update: DeviceUpdate):
        super().__init__(f"Action {update.pk} is not active anymore: it is {update.status}.")
        self.update = update


@dataclass(frozen=True)
class Feedback:
    execution: str
    finished: str
    details: tuple = ()
    code: int | None = None
    progress: tuple | None = None  # (cnt, of), either may be None

    @property
    def messages(self) -> tuple:
        """The lines the action log keeps: the details, then the status code."""
        code = () if self.code is None else (f"Device reported status code: {self.code}",)
        return (*self.details, *code)

    @property
    def reason(self) -> str:
        return "; ".join(self.messages)

    @property
    def said(self) -> str:
        """The report without its messages: ``proceeding/none (3 of 10)``."""
        text = f"{self.execution}/{self.finished}"
        if self.progress and self.progress[0] is not None:
            text += f" ({self.progress[0]}" + (f" of {self.progress[1]})" if self.progress[1] is not None else ")")
        return text

    def describe(self) -> str:
        """For the device's events: the report and its messages, cut short (the update's log keeps them whole)."""
        text = f"DDI {self.said}" + (f": {self.reason}" if self.reason else "")
        return text if len(text) <= MAX_EVENT_TEXT else text[:MAX_EVENT_TEXT - 1] + "…"

    def report(self) -> Report:
        return Report(LogChannel.DDI, self.said, self.messages)


def _target(update: DeviceUpdate, feedback: Feedback) -> str | None:
    """The status this report asks for, or None when it changes nothing."""
    execution, current = feedback.execution, update.status
    if execution == Execution.DOWNLOAD:
        return S.DOWNLOADING
    if execution == Execution.DOWNLOADED:
        return S.DOWNLOADED
    if execution in (Execution.PROCEEDING, Execution.RESUMED):
        return {S.OFFERED: S.DOWNLOADING, S.CONFIRMED: S.DOWNLOADING, S.DOWNLOADED: S.INSTALLING}.get(current)
    if execution == Execution.CLOSED:
        return S.FAILED if feedback.finished == Finished.FAILURE else S.INSTALLED
    if execution == Execution.REJECTED:
        return S.REJECTED
    if execution == Execution.CANCELED:
        return S.REJECTED if current in OPEN_STATUSES else S.FAILED
    return None  # scheduled


def deployment_feedback(update: DeviceUpdate, feedback: Feedback) -> DeviceUpdate:
    """Apply a deploymentBase feedback; raises ActionClosed (410) or InvalidTransition (409).

    Every report applied or kept goes into the update's log; one refused is not kept.
    """
    if update.status == S.TIMED_OUT:
        return state_machine.record_late_report(update, feedback.report())
    if update.status == S.CANCELED and feedback.execution in (Execution.CLOSED, Execution.CANCELED):
        return acknowledge_cancel(update, feedback)
    target = _target(update, feedback)
    if update.status in CLOSED_STATUSES:
        if target == update.status:
            return update  # the same closing report again: a retry, already in the log
        raise ActionClosed(update)
    if target is None or target == update.status:
        _note(update, feedback)
        return update
    closing = feedback.execution in Execution.CLOSING
    try:
        if update.status in (S.OFFERED, S.CONFIRMED) and target not in (S.DOWNLOADING, S.REJECTED, S.FAILED):
            # The state machine wants downloading first; the device's report implies it.
            update = state_machine.apply_report(update, S.DOWNLOADING, feedback.describe())
        return state_machine.apply_report(update, target, feedback.reason or feedback.describe(),
                                          logged_as=feedback.report())
    except InvalidTransition:
        if closing:
            raise
        _note(update, feedback)  # a late intermediate report: kept, not applied
        return update


def cancel_feedback(update: DeviceUpdate, feedback: Feedback) -> DeviceUpdate:
    """Apply a cancelAction feedback to a canceled update."""
    if feedback.execution in (Execution.CLOSED, Execution.REJECTED):
        return acknowledge_cancel(update, feedback)
    _note(update, feedback)
    return update


def acknowledge_cancel(update: DeviceUpdate, feedback: Feedback) -> DeviceUpdate:
    """The device answered the cancellation: the cancelAction link ends (idempotent)."""
    if feedback.execution == Execution.REJECTED:
        answer = "refused the cancellation; the update stays canceled"
    elif feedback.finished == Finished.FAILURE:
        answer = "could not cancel the update"
    else:
        answer = "confirmed the cancellation"
    now = timezone.now()
    with transaction.atomic():
        unanswered = Q(cancel_acknowledged_at__isnull=True) | Q(cancel_acknowledged_at__lt=F("finished_at"))
        acknowledged = DeviceUpdate.objects.filter(unanswered, pk=update.pk).update(cancel_acknowledged_at=now)
        if acknowledged:
            update.cancel_acknowledged_at = now
            forget_devices(update.device_id)  # the bulk update sends no post_save: the cancelAction link ends
            _note(update, feedback, f"device {answer}")
    return update


def _note(update: DeviceUpdate, feedback: Feedback, message: str = "") -> None:
    """Keep a report that changed no status in the update's log, and as an event unless it is bare progress."""
    with transaction.atomic():
        update_log.append(update, update.status, feedback.report())
        if not message and not feedback.details and feedback.code is None:
            return
        if not message and feedback.progress is not None and feedback.execution == Execution.PROCEEDING:
            return  # bare progress as events would flood the device's timeline
        DeviceEvent.objects.create(
            device_id=update.device_id, kind=DeviceEvent.Kind.UPDATE_STATUS,
            message=(f"{message}: " if message else "") + feedback.describe(),
            data={"updateId": update.pk, "status": update.status, "ddi": feedback.execution},
        )
