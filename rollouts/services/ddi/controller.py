"""A DDI controller (a device) polls: what it should do next, in one query.

The root poll reads the device with what DDI needs to know about its updates
annotated in the same query (``controllers(with_state=True)``), with the
device's current updates the decision needs (rollouts.prefetch), then runs the
rollout decision (rollouts.decision.decide) and makes the offer as check-in
does (rollouts.services.checkin.answer: a new offer within its rollout's rate
budget, rollouts.services.budget): a poll costs one query whatever
the size of the fleet, plus the insert the first time an update is offered.

hawkBit's actions are our DeviceUpdate rows (actionId = DeviceUpdate.id):

- ``deploymentBase``: the decision's offer; or, without one, the latest update
  the device already started (downloading, downloaded, installing) so that it
  can finish it even if its rollout was paused meanwhile.
- ``confirmationBase`` instead, while the offer awaits the device's consent
  (rollouts.services.consent): its status comes with the decision's offer.
- ``cancelAction``: an update withdrawn before the device started installing
  it (its rollout aborted, its release deprecated), until the device answers
  the cancellation. Unlike hawkBit it does not hold back a new deployment:
  the withdrawal is final here already, and agents that ignore cancellations
  (the C rauc-hawkbit-updater) would otherwise never be offered one again.
- ``installedBase``: the latest update the device installed.
- ``configData``: while the device has no attributes, and after each
  installed update until the device sends its attributes.
"""

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from django.db.models.expressions import RawSQL
from django.utils import timezone

from devices.models import Device
from devices.services import DeviceExists, register_device
from rollouts import handling
from rollouts.handling import Handling
from rollouts.policy import ProductPolicy
from rollouts.models import STARTED_STATUSES, SUCCESS_STATUSES, DeviceUpdate, Rollout, UpdateStatus, UpdateType
from rollouts.prefetch import with_current_updates
from rollouts.services.checkin import answer

# hawkBit's sleep is HH:MM:SS; agents parse it with a 24-hour clock (RAUC: strptime %H:%M:%S).
LONGEST_SLEEP = timedelta(hours=23, minutes=59, seconds=59)
SHORTEST_SLEEP = timedelta(seconds=1)


@dataclass(frozen=True)
class UpdateFacts:
    """What the root poll needs to know about a device's updates (ids are the latest of each kind)."""

    cancel_id: int | None = None  # withdrawn, the device has not answered the cancellation
    started_id: int | None = None  # downloading, downloaded or installing
    installed_id: int | None = None  # installed or committed
    attributes_due: bool = False  # installed since the device last sent its attributes
    # The started update's attempt and what its handling needs (rollouts.handling): its deploymentBase's ``c``.
    started_attempt: int | None = None
    started_update_type: str = UpdateType.FORCED
    started_rollout_id: int | None = None
    started_forced_at: datetime | None = None

    @classmethod
    def parse(cls, text: str | None) -> "UpdateFacts":
        if not text:
            return cls()
        cancel, started, installed, due, started_details = text.split("|", 4)
        if not started_details:
            return cls(_id(cancel), _id(started), _id(installed), bool(due))
        # The forced time goes last: its text has colons.
        _, attempt, update_type, rollout_id, forced_at = started_details.split(":", 4)
        return cls(_id(cancel), _id(started), _id(installed), bool(due), int(attempt), update_type, _id(rollout_id),
                   _moment(forced_at))


def _id(text: str) -> int | None:
    return int(text) if text else None


def _moment(text: str) -> datetime | None:
    """A timestamp as the database writes it as text: PostgreSQL with its offset, SQLite in UTC without."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _in(statuses) -> str:
    return ", ".join(f"'{status}'" for status in statuses)  # our own constants, never input


def _facts_sql() -> str:
    """One aggregate over the device's updates, as ``cancel|started|installed|due|started details``.

    The first four are update ids; the details of the started update are
    ``<its id, zero-padded>:<attempt>:<update type>:<rollout id>:<forced time>``, so
    that the text maximum is the same row as the id maximum and a poll that resumes
    a started update needs no second query for its handling (its maintenance windows
    are in the policy snapshot: ProductPolicy.windows_of).

    A single subquery with plain SQL: five ORM subqueries cost more to build and
    to plan (about 6 ms together) than the poll spends on everything else.
    CASE rather than FILTER, text rather than an array, and padding with
    ``substr`` rather than ``lpad``: SQLite runs it too.
    """
    update, rollout = DeviceUpdate._meta.db_table, Rollout._meta.db_table
    success, started = _in(SUCCESS_STATUSES), _in(STARTED_STATUSES)
    started_when = f"u.status IN ({started})"
    parts = [
        # An update canceled, offered again and canceled again needs a new answer: compare with finished_at.
        f"u.status = '{UpdateStatus.CANCELED}' AND (u.cancel_acknowledged_at IS NULL "
        f"OR u.cancel_acknowledged_at < u.finished_at)",
        started_when,
        f"u.status IN ({success})",
        f"u.status IN ({success}) AND u.attributes_sent_at IS NULL",
    ]
    columns = [f"COALESCE(CAST(MAX(CASE WHEN {part} THEN u.id END) AS TEXT), '')" for part in parts]
    padded_id = f"substr('{'0' * 20}' || CAST(u.id AS TEXT), length(CAST(u.id AS TEXT)) + 1)"
    details = (f"{padded_id} || ':' || CAST(u.attempt AS TEXT) || ':' || COALESCE(r.update_type, "
               f"'{UpdateType.FORCED}') || ':' || COALESCE(CAST(r.id AS TEXT), '') || ':' "
               f"|| COALESCE(CAST(r.forced_at AS TEXT), '')")
    columns.append(f"COALESCE(MAX(CASE WHEN {started_when} THEN {details} END), '')")
    device = Device._meta.db_table
    joined = " || '|' || ".join(columns)
    return (f"(SELECT {joined} FROM {update} u "
            f'LEFT JOIN {rollout} r ON r.release_id = u.release_id WHERE u.device_id = "{device}"."id")')


FACTS_SQL = _facts_sql()


@cache
def controllers(with_state: bool = False):
    """Devices, with (for the root poll) the facts about their updates annotated in the same query.

    Built once per process: what is chained on a queryset clones it, and building
    the annotations on every poll cost more than cloning them.
    """
    devices = Device.objects.all()
    if not with_state:
        return devices
    # The decision's updates come in the same query too (rollouts.prefetch): a poll is one query.
    return with_current_updates(devices.annotate(ddi_update_facts=RawSQL(FACTS_SQL, ())))


def update_facts(device: Device) -> UpdateFacts:
    """The facts annotated by ``controllers(with_state=True)``, which the device must have been read with."""
    return UpdateFacts.parse(device.ddi_update_facts)


def sleep_of(product) -> str:
    """The product's polling interval as hawkBit's ``HH:MM:SS``, kept within one day."""
    interval = min(max(product.poll_interval, SHORTEST_SLEEP), LONGEST_SLEEP)
    seconds = int(interval.total_seconds())
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def resource_hash(action_id: int, handled: Handling, attempt: int) -> int:
    """hawkBit's ``c`` parameter: a signed 32-bit hash that changes when the action's handling changes
    (its type, a maintenance window opening or closing, the forced time passing) or its attempt."""
    said = f"{action_id}:{handled.download}:{handled.update}:{handled.maintenance_window}:{attempt}"
    value = zlib.crc32(said.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


@dataclass(frozen=True)
class Deployment:
    action_id: int
    resource: int  # the ``c`` of the deploymentBase link
    confirm_first: bool = False  # awaiting the device's consent: linked as confirmationBase


@dataclass(frozen=True)
class ControllerState:
    """What the root poll tells a controller."""

    sleep: str
    deployment: Deployment | None = None
    cancel_action_id: int | None = None
    installed_action_id: int | None = None
    request_attributes: bool = False
    holds_until: datetime | None = None  # when this answer stops holding by itself (checkin.Answer.holds_until)


def poll(device: Device, snapshot: ProductPolicy, facts: UpdateFacts, carried: dict | None,
         now: datetime | None = None) -> ControllerState:
    """The controller's next step under the policy ``snapshot`` of its product at ``now`` (default: the
    current time); makes the decision's offer as check-in does (first time only).

    ``facts`` and ``carried``: what DDI needs about the device's updates and the updates themselves,
    read with the device (``controllers(with_state=True)``: ``update_facts``, rollouts.prefetch);
    a device a gateway token just registered has none (``UpdateFacts()``, None: read them).
    """
    cancel_id = facts.cancel_id
    deployment, holds_until = _deployment(device, facts, snapshot, carried, now or timezone.now())
    if deployment is not None and deployment.action_id == cancel_id:
        cancel_id = None  # the withdrawn update was just offered again (its rollout started anew)
    return ControllerState(
        sleep=sleep_of(device.product),
        deployment=deployment,
        cancel_action_id=cancel_id,
        installed_action_id=facts.installed_id,
        request_attributes=not device.attributes or facts.attributes_due,
        holds_until=holds_until,
    )


def _deployment(device: Device, facts: UpdateFacts, snapshot: ProductPolicy, carried: dict | None, now: datetime
                ) -> tuple[Deployment | None, datetime | None]:
    """The deploymentBase to link, and until when that holds by itself (``checkin.answer``)."""
    answered = answer(device, snapshot, carried, now)
    if answered.offer is not None:
        offer = answered.offer
        update = offer.update
        return Deployment(update.pk, resource_hash(update.pk, handling.of_release(offer.release, now), update.attempt),
                          update.status == UpdateStatus.AWAITING_CONFIRMATION), answered.holds_until
    if facts.started_id is None:
        return None, answered.holds_until
    started = handling.of(facts.started_update_type, facts.started_forced_at,
                          snapshot.windows_of(facts.started_rollout_id), now)
    return (Deployment(facts.started_id, resource_hash(facts.started_id, started, facts.started_attempt)),
            answered.holds_until)


class ForeignController(Exception):
    """The controllerId belongs to a device of another product than the gateway token's."""


def register_controller(gateway, controller_id: str) -> Device:
    """Register an unknown controllerId polling with a gateway token, in the token's product.

    Raises ValidationError for a controllerId that is not a valid device uid. A
    concurrent first poll of the same id finds the device the other one made.
    """
    try:
        issued = register_device(gateway.product, controller_id, actor=f"gateway token {gateway.prefix}")
    except DeviceExists:
        device = Device.objects.select_related("product").get(uid=controller_id)
        if device.product_id != gateway.product_id or not device.is_active:
            raise ForeignController(controller_id) from None
        return device
    return issued.device
