"""User consent under concurrent requests: auto-confirm turned on while an offer is being made, and while the
device confirms an update; the answers each request gives stay true, and neither waits for the other forever."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from devices.models import Device, DeviceEvent
from rollouts.decision import judge
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.policy import for_product
from rollouts.services import checkin, consent, transitions
from tests.factories import DeviceFactory

S = UpdateStatus
LOCK_WAIT_SECONDS = 10


@pytest.fixture
def consent_release(offerable_release):
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, requires_confirmation=True)
    return release


@pytest.mark.django_db
def test_an_offer_decided_before_auto_confirm_came_on_is_offered_as_auto_confirmed(device, consent_release):
    read_by_the_check_in = Device.objects.get(pk=device.pk)
    decision = judge(read_by_the_check_in, now=timezone.now(), snapshot=for_product(device.product_id)).decision
    consent.activate_auto_confirm(device, "ops", "field test")  # looks for updates awaiting: none yet

    offer = checkin.make_offer(read_by_the_check_in, decision)

    assert offer.update.status == S.OFFERED
    event = DeviceEvent.objects.get(device=device, kind=DeviceEvent.Kind.UPDATE_OFFERED)
    assert "Assignment automatically confirmed by initiator 'ops'. Remark: field test" in event.message


@pytest.mark.django_db
def test_an_offer_asks_the_device_while_its_auto_confirm_is_off(device, consent_release):
    decision = judge(device, now=timezone.now(), snapshot=for_product(device.product_id)).decision

    assert checkin.make_offer(device, decision).update.status == S.AWAITING_CONFIRMATION


def waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row and row[0])


def in_a_thread(work):
    """Run ``work(outcome)`` on its own database connection: (the thread, ``outcome`` with its result or error)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work(outcome)
        except Exception as error:  # the test asserts there is none
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


@pytest.mark.django_db(transaction=True)
def test_auto_confirm_turned_on_while_the_device_confirms_its_update_waits_for_it_rather_than_deadlocking(
        product, offerable_release):
    device = DeviceFactory(product=product, uid="dev-0001", installed_versions={"default": "1.0.0"})
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, requires_confirmation=True)
    update = checkin.make_offer(device, judge(device, now=timezone.now(),
                                              snapshot=for_product(product.pk)).decision).update
    confirming = threading.Event()
    go_on = threading.Event()

    def confirm_as_a_report_does(outcome):
        # consent.confirm's steps: the update's row lock first, then the device's event (its foreign key).
        with transaction.atomic():
            DeviceUpdate.objects.select_for_update().get(pk=update.pk)
            confirming.set()
            go_on.wait(LOCK_WAIT_SECONDS)
            DeviceEvent.objects.create(device_id=device.pk, kind=DeviceEvent.Kind.UPDATE_STATUS, message="confirmed")

    def turn_auto_confirm_on(outcome):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            outcome["pid"] = cursor.fetchone()[0]
        return consent.activate_auto_confirm(Device.objects.get(pk=device.pk), "ops")

    reporter, reported = in_a_thread(confirm_as_a_report_does)
    assert confirming.wait(LOCK_WAIT_SECONDS)
    switcher, switched = in_a_thread(turn_auto_confirm_on)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not (switched.get("pid") and waiting_for_a_lock(switched["pid"])) and time.monotonic() < deadline:
        time.sleep(0.01)  # until auto-confirm waits for the update's row the report holds
    go_on.set()
    reporter.join(LOCK_WAIT_SECONDS)
    switcher.join(LOCK_WAIT_SECONDS)

    assert "error" not in reported and "error" not in switched, (reported, switched)
    assert [confirmed.pk for confirmed in switched["result"]] == [update.pk]
    assert DeviceUpdate.objects.get(pk=update.pk).status == S.CONFIRMED
