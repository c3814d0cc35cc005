"""Retries: a failed or timed-out device is offered the release again, after a back-off, up to max attempts."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from devices import session as sessions
from devices.models import Device, DeviceEvent
from devices.stamps import forget_devices
from rollouts.decision import decide, explain, judge
from rollouts.models import DeviceUpdate, LogChannel, UpdateLogEntry, UpdateStatus
from rollouts.services import checkin, feedback, timeouts, transitions
from rollouts.services.feedback import InvalidTransition
from tests.rollouts.test_commands import run

pytestmark = pytest.mark.django_db
S = UpdateStatus

CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}
BACKOFF = timedelta(minutes=10)


@pytest.fixture
def retried_release(offerable_release):
    """Factory: release 2.0.0 started with these retry options (three attempts, ten minutes' back-off unless told)."""

    def make(**options):
        release = offerable_release("2.0.0")
        transitions.set_policy(release.rollout, **{"max_attempts": 3, "retry_backoff": BACKOFF, **options})
        return release

    return make


def offered(device):
    return checkin.make_offer(device, decide(device)).update


def failed(update, status=S.FAILED):
    """The device reports that the update's attempt ended in ``status``; the update as stored then."""
    for step in (S.DOWNLOADING, S.INSTALLING, status) if status == S.ROLLED_BACK else (S.DOWNLOADING, status):
        feedback.report_status(update, step)
    update.refresh_from_db()
    return update


def not_done(device, release, now):
    return next(result for result in explain(device, release, now=now).results if result.rule == "not done")


# --- the decision ------------------------------------------------------------------------------

def test_a_failed_update_is_not_offered_again_before_its_back_off(retried_release, device):
    release = retried_release()
    update = failed(offered(device))

    rule = not_done(device, release, now=update.finished_at + BACKOFF - timedelta(seconds=1))

    assert not rule.passed
    assert rule.detail == (f"attempt 1 of 3 failed: retry 2 of 3 from {(update.finished_at + BACKOFF).isoformat()}")


def test_a_failed_update_is_offered_again_once_its_back_off_is_over(retried_release, device):
    retried_release()
    update = failed(offered(device))

    decision = decide(device, now=update.finished_at + BACKOFF)

    assert decision.update == update and decision.update.status == S.FAILED


def test_the_back_off_doubles_with_each_attempt(retried_release, device):
    retried_release()
    update = failed(offered(device))
    update = failed(checkin.make_offer(device, decide(device, now=update.finished_at + BACKOFF)).update)

    assert decide(device, now=update.finished_at + 2 * BACKOFF - timedelta(seconds=1)) is None
    assert decide(device, now=update.finished_at + 2 * BACKOFF).update == update


def test_the_last_attempt_s_failure_is_final(retried_release, device):
    release = retried_release(max_attempts=2)
    update = failed(offered(device))
    update = failed(checkin.make_offer(device, decide(device, now=update.finished_at + BACKOFF)).update)
    much_later = update.finished_at + timedelta(days=365)

    assert decide(device, now=much_later) is None
    assert not_done(device, release, much_later).detail == "attempt 2 of 2 failed: final"


def test_one_attempt_is_the_default_and_never_retried(offerable_release, device):
    release = offerable_release("2.0.0")
    update = failed(offered(device))

    assert decide(device, now=update.finished_at + timedelta(days=365)) is None
    assert not_done(device, release, timezone.now()).detail == "attempt 1 of 1 failed: final"


def test_a_timed_out_update_is_retried_from_when_it_timed_out(retried_release, device):
    retried_release(download_timeout=timedelta(hours=1))
    update = feedback.report_status(offered(device), S.DOWNLOADING)
    swept_at = update.status_changed_at + timedelta(hours=2)

    timeouts.time_out_stalled_updates(now=swept_at)

    update.refresh_from_db()
    assert (update.status, update.finished_at) == (S.TIMED_OUT, swept_at)
    assert decide(device, now=swept_at + BACKOFF - timedelta(seconds=1)) is None
    assert decide(device, now=swept_at + BACKOFF).update == update


def test_a_rolled_back_update_is_not_retried_unless_the_rollout_says_so(retried_release, device):
    release = retried_release()
    update = failed(offered(device), S.ROLLED_BACK)
    later = update.finished_at + BACKOFF

    assert decide(device, now=later) is None
    transitions.set_policy(release.rollout, retry_rolled_back=True)
    assert decide(device, now=later).update == update


@pytest.mark.parametrize("answer", [S.REJECTED])
def test_a_rejection_is_never_retried(retried_release, device, answer):
    retried_release()
    update = offered(device)
    feedback.report_status(update, answer)

    assert decide(device, now=timezone.now() + timedelta(days=365)) is None


def test_the_verdict_holds_until_the_earliest_retry(retried_release, device):
    retried_release()
    update = failed(offered(device))

    verdict = judge(device, now=update.finished_at)

    assert verdict.decision is None and verdict.holds_until == update.finished_at + BACKOFF


# --- the new attempt ---------------------------------------------------------------------------

def test_a_retry_is_a_new_attempt_of_the_same_update(retried_release, device):
    retried_release()
    ended = failed(offered(device))

    update = checkin.make_offer(device, decide(device, now=ended.finished_at + BACKOFF)).update

    assert update.pk == ended.pk and update.attempt == 2
    assert (update.status, update.reason, update.finished_at) == (S.OFFERED, "", None)
    assert update.offered_at > ended.offered_at and update.status_changed_at > ended.status_changed_at


def test_a_retry_says_so_in_an_event_and_in_the_action_log(retried_release, device):
    retried_release()
    ended = failed(offered(device))

    checkin.make_offer(device, decide(device, now=ended.finished_at + BACKOFF))

    event = DeviceEvent.objects.filter(device=device, kind=DeviceEvent.Kind.UPDATE_OFFERED).latest("pk")
    assert event.message == "offered default 2.0.0; retry, attempt 2 of 3" and event.data["attempt"] == 2
    line = UpdateLogEntry.objects.filter(update=ended).latest("position")
    assert (line.channel, line.reported, line.messages) == (
        LogChannel.PORTAL, "retry", ["attempt 1 failed: retry, attempt 2 of 3"])


def test_a_retry_decided_twice_starts_one_attempt(retried_release, device):
    retried_release()
    ended = failed(offered(device))
    decision = decide(device, now=ended.finished_at + BACKOFF)

    first, second = checkin.make_offer(device, decision), checkin.make_offer(device, decision)

    assert first.update.attempt == second.update.attempt == 2


# --- the device restarting its failed update -----------------------------------------------------

def test_a_device_may_restart_its_failed_update_while_attempts_are_left(retried_release, device):
    retried_release(max_attempts=2)
    update = failed(offered(device))

    update = feedback.report_status(update, S.DOWNLOADING)

    assert (update.status, update.attempt) == (S.DOWNLOADING, 2)


def test_a_device_may_not_restart_its_update_past_the_last_attempt(offerable_release, device):
    offerable_release("2.0.0")
    update = failed(offered(device))

    with pytest.raises(InvalidTransition, match="attempt 1 of 1 was the last, the failure is final"):
        feedback.report_status(update, S.DOWNLOADING)


def test_a_restart_past_the_last_attempt_answers_409(offerable_release, device, device_client):
    offerable_release("2.0.0")
    update = failed(offered(device))

    response = device_client(device).post(f"/api/v1/device/updates/{update.pk}/status",
                                          {"status": "downloading"}, format="json")

    assert response.status_code == 409 and "was the last, the failure is final" in response.json()["detail"]
    update.refresh_from_db()
    assert (update.status, update.attempt) == (S.FAILED, 1)


# --- through the check-in ----------------------------------------------------------------------

def back_off_over(update):
    """The back-off passed: the attempt ended that long ago (and the device's remembered answers go)."""
    DeviceUpdate.objects.filter(pk=update.pk).update(finished_at=update.finished_at - BACKOFF)
    forget_devices(update.device_id)


def test_a_checking_in_device_is_offered_its_failed_update_again_after_the_back_off(
        retried_release, device, device_client):
    retried_release()
    client = device_client(device)
    update_id = client.post(CHECK_IN, REPORT, format="json").json()["updateId"]
    failed(DeviceUpdate.objects.get(pk=update_id))
    assert client.post(CHECK_IN, REPORT, format="json").status_code == 204

    back_off_over(DeviceUpdate.objects.get(pk=update_id))
    body = client.post(CHECK_IN, REPORT, format="json").json()

    assert (body["updateId"], body["attempt"]) == (update_id, 2)


def test_a_device_waiting_for_its_retry_is_remembered_only_until_then(retried_release, device, device_client):
    retried_release()
    client = device_client(device)
    client.post(CHECK_IN, REPORT, format="json")  # the first request keeps the device's session
    update = failed(DeviceUpdate.objects.get(device=device))

    assert client.post(CHECK_IN, REPORT, format="json").status_code == 204

    session = sessions.open_session(device.token, "127.0.0.1", None, Device.objects.all())
    kept = json.loads(session.remembered["check-in"])
    assert kept["status"] == 204 and kept["expires"] <= (update.finished_at + BACKOFF).timestamp()


def test_rollout_status_shows_the_retries_and_the_failed_updates_with_attempts_left(retried_release, device):
    retried_release(retry_rolled_back=True)
    failed(offered(device))

    output = run("rollout_status", "thermostat:2.0.0")

    assert ("Retries: up to 3 attempts, back-off 0:10:00 doubling each attempt, rolled back too; "
            "1 failed with attempts left") in output


def test_the_progress_page_shows_the_retries_and_the_failed_updates_with_attempts_left(
        retried_release, device, admin_client):
    release = retried_release()
    failed(offered(device))

    page = admin_client.get(f"/admin/rollouts/rollout/{release.rollout.pk}/progress/").content.decode()

    assert "up to 3 attempts, back-off 0:10:00 doubling each attempt; 1 failed with attempts left." in page
