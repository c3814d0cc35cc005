"""User consent through check-in and the consent service: awaiting_confirmation → confirmed or denied."""

import pytest
from django.urls import reverse

from devices.models import Device, DeviceEvent
from rollouts.models import DeviceUpdate, RolloutState, Strategy, UpdateStatus
from rollouts.services import consent, progress, transitions
from rollouts.services.transitions import PhaseSpec
from rollouts.services.update_log import log_of
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}
S = UpdateStatus


@pytest.fixture
def consent_release(offerable_release):
    """Release 2.0.0 in one phase that pauses at any failure, asking each device for its consent."""
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(100, failure_threshold=0)])
    transitions.set_policy(release.rollout, requires_confirmation=True)
    return release


def check_in(client):
    return client.post(CHECK_IN, REPORT, format="json")


def report(client, update, status, reason=""):
    return client.post(f"/api/v1/device/updates/{update.pk}/status", {"status": status, "reason": reason},
                       format="json")


def test_the_offer_of_a_rollout_asking_for_consent_awaits_confirmation(device_api, consent_release):
    response = check_in(device_api)

    assert response.status_code == 200
    assert response.json()["status"] == S.AWAITING_CONFIRMATION
    assert DeviceUpdate.objects.get().status == S.AWAITING_CONFIRMATION


def test_a_confirmed_offer_is_offered_as_confirmed_and_downloads_next(device_api, consent_release):
    update_id = check_in(device_api).json()["updateId"]
    update = DeviceUpdate.objects.get(pk=update_id)

    confirmed = report(device_api, update, "confirmed", "the user said yes")

    assert confirmed.status_code == 200 and confirmed.json()["status"] == S.CONFIRMED
    assert check_in(device_api).json()["status"] == S.CONFIRMED  # the remembered answer was made stale
    assert report(device_api, update, "downloading").status_code == 200
    assert log_of(update).entries[0].messages == ["the user said yes"]


def test_downloading_before_confirming_is_refused_with_409(device_api, consent_release):
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])

    response = report(device_api, update, "downloading")

    assert response.status_code == 409
    assert "confirm it first" in response.json()["detail"]
    assert DeviceUpdate.objects.get(pk=update.pk).status == S.AWAITING_CONFIRMATION


def test_confirming_an_offer_that_never_asked_is_refused_with_409(device_api, offerable_release):
    offerable_release("2.0.0")
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])

    response = report(device_api, update, "confirmed")

    assert response.status_code == 409
    assert response.json()["status"] == S.OFFERED


def test_a_denied_offer_is_not_offered_again(device_api, consent_release):
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])

    denied = report(device_api, update, "denied", "not during the harvest")

    assert denied.json() == {"updateId": update.pk, "status": S.DENIED, "reason": "not during the harvest",
                             "attempt": 1}
    assert check_in(device_api).status_code == 204


def test_a_denial_counts_apart_from_failures_and_does_not_pause_the_rollout(device_api, consent_release):
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])

    report(device_api, update, "denied")

    counts = progress.progress_of(consent_release.pk).overall
    assert (counts.denials, counts.failures, counts.outcomes) == (1, 0, 0)
    consent_release.rollout.refresh_from_db()
    assert consent_release.rollout.state == RolloutState.RUNNING


def test_the_api_counts_denials_apart(api, device_api, consent_release):
    report(device_api, DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"]), "denied")

    counts = api.get(f"/api/v1/rollouts/{consent_release.pk}").json()["counts"]

    assert (counts["denials"], counts["byStatus"]["denied"], counts["failureRate"]) == (1, 1, None)


def test_the_progress_page_shows_denials(admin_client, device_api, consent_release):
    report(device_api, DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"]), "denied")

    page = admin_client.get(reverse("admin:rollouts_rollout_progress", args=[consent_release.rollout.pk]))

    assert page.status_code == 200
    assert 'data-count="denied">1 denied</a>' in page.content.decode()


def test_a_denial_may_be_taken_back_by_confirming(device_api, consent_release):
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])
    report(device_api, update, "denied")

    response = report(device_api, update, "confirmed")

    assert response.json()["status"] == S.CONFIRMED
    assert check_in(device_api).json()["updateId"] == update.pk


def test_each_answer_is_a_device_event(device_api, consent_release, device):
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])

    report(device_api, update, "denied", "later")

    event = device.events.filter(kind=DeviceEvent.Kind.UPDATE_STATUS).first()
    assert event.message == "default 2.0.0: denied (later)"
    assert event.data == {"updateId": update.pk, "status": S.DENIED, "attempt": 1}


# --- auto-confirm -------------------------------------------------------------------------------------

def test_turning_auto_confirm_on_confirms_what_awaits_and_the_next_check_in_sees_it(device_api, device,
                                                                                   consent_release):
    check_in(device_api)  # remembered as awaiting confirmation

    confirmed = consent.activate_auto_confirm(device, "alice", "field trial")

    assert [update.status for update in confirmed] == [S.CONFIRMED]
    assert check_in(device_api).json()["status"] == S.CONFIRMED
    entry = log_of(confirmed[0]).entries[-1]
    assert entry.messages == ["Assignment automatically confirmed by initiator 'alice'. Remark: field trial"]


def test_a_denial_stands_when_auto_confirm_is_turned_on(device_api, device, consent_release):
    update = DeviceUpdate.objects.get(pk=check_in(device_api).json()["updateId"])
    report(device_api, update, "denied")

    assert consent.activate_auto_confirm(device) == []
    assert DeviceUpdate.objects.get(pk=update.pk).status == S.DENIED


def test_with_auto_confirm_on_a_new_offer_is_offered_at_once(device_api, device, consent_release):
    consent.activate_auto_confirm(device, "alice")

    assert check_in(device_api).json()["status"] == S.OFFERED
    offered = device.events.get(kind=DeviceEvent.Kind.UPDATE_OFFERED)
    assert "automatically confirmed by initiator 'alice'" in offered.message


def test_turning_auto_confirm_on_twice_is_refused(device):
    consent.activate_auto_confirm(device)

    with pytest.raises(consent.AutoConfirmAlreadyActive):
        consent.activate_auto_confirm(device)


def test_turning_auto_confirm_off_asks_again_for_the_next_offer(device_api, device, consent_release):
    consent.activate_auto_confirm(device)

    assert consent.deactivate_auto_confirm(device) is True

    assert Device.objects.get(pk=device.pk).auto_confirm_initiator == ""
    assert check_in(device_api).json()["status"] == S.AWAITING_CONFIRMATION


def test_turning_auto_confirm_off_when_off_changes_nothing(device):
    assert consent.deactivate_auto_confirm(device) is False
    assert not device.events.exists()


def test_auto_confirm_of_one_device_confirms_none_of_anothers(device, product, consent_release):
    other = DeviceFactory(product=product, uid="dev-0002", installed_versions={"default": "1.0.0"})
    mine = DeviceUpdate.objects.create(device=device, release=consent_release, status=S.AWAITING_CONFIRMATION)
    theirs = DeviceUpdate.objects.create(device=other, release=consent_release, status=S.AWAITING_CONFIRMATION)

    consent.activate_auto_confirm(device)

    assert DeviceUpdate.objects.get(pk=mine.pk).status == S.CONFIRMED
    assert DeviceUpdate.objects.get(pk=theirs.pk).status == S.AWAITING_CONFIRMATION
