"""User consent over DDI: confirmationBase, its feedback and auto-confirm, as hawkBit's DdiConfirmationBaseTest."""

import pytest

from devices.models import Device
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.services import consent, transitions
from rollouts.services.update_log import log_of

from .conftest import action_url, base_url, feedback_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent_release(offerable_release):
    """Release 2.0.0, rolling out to everyone, asking each device for its consent."""
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, requires_confirmation=True)
    return release


@pytest.fixture
def awaiting(device, consent_release, target_client):
    """The device polled once: its update of 2.0.0 awaits its confirmation."""
    target_client(device).get(base_url(device.uid))
    return DeviceUpdate.objects.get(device=device, release=consent_release)


def links(client, device) -> dict:
    return client.get(base_url(device.uid)).json()["_links"]


def answer(client, device, update, confirmation, **fields):
    return client.post(f"{action_url(device, update, 'confirmationBase')}/feedback",
                       {"confirmation": confirmation, **fields}, format="json")


def test_the_root_poll_links_an_action_awaiting_confirmation_as_confirmation_base_only(
        device, consent_release, target_client):
    found = links(target_client(device), device)

    update = DeviceUpdate.objects.get(device=device)
    assert update.status == UpdateStatus.AWAITING_CONFIRMATION
    assert found["confirmationBase"]["href"].startswith(
        f"http://testserver{base_url(device.uid)}/confirmationBase/{update.pk}?c=")
    assert "deploymentBase" not in found


def test_the_confirmation_base_action_is_the_deployment_under_confirmation(device, awaiting, target_client):
    response = target_client(device).get(action_url(device, awaiting, "confirmationBase") + "?actionHistory=-1")

    assert response.status_code == 200
    document = response.json()
    assert list(document) == ["id", "confirmation", "actionHistory"]
    assert document["id"] == str(awaiting.pk)
    assert document["confirmation"]["download"] == "forced"
    assert document["confirmation"]["chunks"][0]["version"] == "2.0.0"
    assert document["actionHistory"]["status"] == "WAIT_FOR_CONFIRMATION"


def test_the_deployment_base_of_an_action_awaiting_confirmation_answers_404(device, awaiting, target_client):
    client = target_client(device)

    assert client.get(action_url(device, awaiting)).status_code == 404
    feedback = client.post(f"{action_url(device, awaiting)}/feedback", feedback_body("download"), format="json")
    assert feedback.status_code == 404
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.AWAITING_CONFIRMATION


def test_the_confirmation_base_shows_auto_confirm_off_and_links_the_waiting_action(device, awaiting, target_client):
    document = target_client(device).get(f"{base_url(device.uid)}/confirmationBase").json()

    assert document["autoConfirm"] == {"active": False}
    base = f"http://testserver{base_url(device.uid)}/confirmationBase"
    assert document["_links"]["activateAutoConfirm"] == {"href": f"{base}/activateAutoConfirm"}
    assert document["_links"]["confirmationBase"]["href"].startswith(f"{base}/{awaiting.pk}?c=")
    assert "deactivateAutoConfirm" not in document["_links"]


def test_the_confirmation_base_without_a_waiting_action_links_only_the_switch(device, target_client):
    document = target_client(device).get(f"{base_url(device.uid)}/confirmationBase").json()

    assert set(document["_links"]) == {"activateAutoConfirm"}


def test_confirmed_feedback_makes_the_next_poll_link_the_deployment_base(device, awaiting, target_client):
    client = target_client(device)
    links(client, device)  # the answer is remembered (devices.session): the confirmation must bump the stamp

    response = answer(client, device, awaiting, "confirmed", code=10, details=["the user said yes"])

    assert response.status_code == 200
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.CONFIRMED
    found = links(client, device)
    assert found["deploymentBase"]["href"].startswith(f"http://testserver{action_url(device, awaiting)}?c=")
    assert "confirmationBase" not in found
    assert client.get(action_url(device, awaiting)).status_code == 200
    assert client.get(action_url(device, awaiting, "confirmationBase")).status_code == 404


def test_confirmation_messages_and_code_are_kept_as_hawkbit_words_them(device, awaiting, target_client):
    answer(target_client(device), device, awaiting, "confirmed", code=10, details=["the user said yes"])

    entry = log_of(awaiting).entries[-1]
    assert (entry.reported, entry.status) == ("confirmed", UpdateStatus.CONFIRMED)
    assert entry.messages == ["the user said yes", "Confirmation status code: 10"]


def test_a_confirmed_action_downloads_and_installs_through_deployment_feedback(device, awaiting, target_client):
    client = target_client(device)
    answer(client, device, awaiting, "confirmed")

    closed = client.post(f"{action_url(device, awaiting)}/feedback", feedback_body("closed", "success"),
                         format="json")

    assert closed.status_code == 200
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.INSTALLED


def test_denied_feedback_ends_the_offer_without_a_failure(device, awaiting, target_client, consent_release):
    client = target_client(device)

    response = answer(client, device, awaiting, "denied", details=["not now"])

    assert response.status_code == 200
    update = DeviceUpdate.objects.get(pk=awaiting.pk)
    assert (update.status, update.reason) == (UpdateStatus.DENIED, "not now")
    assert "confirmationBase" not in links(client, device)
    assert "deploymentBase" not in links(client, device)
    assert client.get(action_url(device, awaiting)).status_code == 404
    consent_release.rollout.refresh_from_db()
    assert consent_release.rollout.state == "running"


def test_a_denial_may_be_taken_back_from_the_confirmation_base(device, awaiting, target_client):
    client = target_client(device)
    answer(client, device, awaiting, "denied")

    listed = client.get(f"{base_url(device.uid)}/confirmationBase").json()["_links"]
    assert listed["confirmationBase"]["href"].startswith(
        f"http://testserver{action_url(device, awaiting, 'confirmationBase')}?c=")
    assert answer(client, device, awaiting, "confirmed").status_code == 200

    assert "deploymentBase" in links(client, device)


def test_consent_may_be_revoked_before_the_download(device, awaiting, target_client):
    client = target_client(device)
    answer(client, device, awaiting, "confirmed")

    assert answer(client, device, awaiting, "denied").status_code == 200

    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.DENIED


def test_feedback_on_an_action_that_never_asked_answers_404(device, offerable_release, target_client):
    offerable_release("2.0.0")
    client = target_client(device)
    links(client, device)
    update = DeviceUpdate.objects.get(device=device)

    assert answer(client, device, update, "confirmed").status_code == 404
    assert answer(client, device, update, "denied").status_code == 404
    assert DeviceUpdate.objects.get(pk=update.pk).status == UpdateStatus.OFFERED


def test_feedback_on_a_closed_action_answers_410(device, awaiting, target_client):
    client = target_client(device)
    answer(client, device, awaiting, "confirmed")
    client.post(f"{action_url(device, awaiting)}/feedback", feedback_body("closed", "failure"), format="json")

    assert answer(client, device, awaiting, "denied").status_code == 410


def test_a_denial_of_an_aborted_rollout_can_no_longer_be_taken_back(device, awaiting, target_client,
                                                                    consent_release):
    client = target_client(device)
    answer(client, device, awaiting, "denied")
    transitions.abort(consent_release.rollout, "bad build")

    assert answer(client, device, awaiting, "confirmed").status_code == 410


def test_another_devices_action_answers_404(device, awaiting, other_device, target_client):
    client = target_client(other_device)

    response = client.post(f"{base_url(other_device.uid)}/confirmationBase/{awaiting.pk}/feedback",
                           {"confirmation": "confirmed"}, format="json")

    assert response.status_code == 404
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.AWAITING_CONFIRMATION


@pytest.mark.parametrize("body, field", [
    ({}, "confirmation"),
    ({"confirmation": "maybe"}, "confirmation"),
    ({"confirmation": "confirmed", "code": "ten"}, "code"),
    ({"confirmation": "confirmed", "code": 2**31}, "code"),
    ({"confirmation": "confirmed", "details": "one line"}, "details"),
])
def test_a_bad_confirmation_body_answers_400_naming_the_field(device, awaiting, target_client, body, field):
    response = target_client(device).post(f"{action_url(device, awaiting, 'confirmationBase')}/feedback", body,
                                          format="json")

    assert response.status_code == 400
    assert response.json()["parameters"] == [field]


def test_activating_auto_confirm_confirms_the_waiting_action(device, awaiting, target_client):
    client = target_client(device)
    links(client, device)

    response = client.post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm",
                           {"initiator": "alice", "remark": "trusted fleet"}, format="json")

    assert response.status_code == 200
    assert DeviceUpdate.objects.get(pk=awaiting.pk).status == UpdateStatus.CONFIRMED
    assert "deploymentBase" in links(client, device)
    document = client.get(f"{base_url(device.uid)}/confirmationBase").json()
    device.refresh_from_db()
    assert document["autoConfirm"] == {"active": True, "initiator": "alice", "remark": "trusted fleet",
                                       "activatedAt": int(device.auto_confirm_since.timestamp() * 1000)}
    assert set(document["_links"]) == {"deactivateAutoConfirm"}


def test_activating_without_a_body_keeps_hawkbits_remark(device, target_client):
    response = target_client(device).post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm")

    assert response.status_code == 200
    device.refresh_from_db()
    assert (device.auto_confirm_initiator, device.auto_confirm_remark) == ("", consent.FALLBACK_REMARK)


def test_activating_twice_answers_409_in_hawkbits_words(device, target_client):
    client = target_client(device)
    client.post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm", {}, format="json")

    response = client.post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm", {}, format="json")

    assert response.status_code == 409
    assert response.json()["errorCode"] == "hawkbit.server.error.repo.autoConfAlreadyActive"


def test_an_initiator_too_long_answers_400_naming_it(device, target_client):
    response = target_client(device).post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm",
                                          {"initiator": "x" * 129}, format="json")

    assert response.status_code == 400
    assert response.json()["parameters"] == ["initiator"]


def test_with_auto_confirm_on_new_offers_skip_the_question(device, consent_release, target_client):
    client = target_client(device)
    client.post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm", {}, format="json")

    found = links(client, device)

    assert "deploymentBase" in found
    assert DeviceUpdate.objects.get(device=device).status == UpdateStatus.OFFERED


def test_deactivating_makes_the_next_offer_ask_again(device, consent_release, target_client):
    client = target_client(device)
    client.post(f"{base_url(device.uid)}/confirmationBase/activateAutoConfirm", {}, format="json")

    response = client.post(f"{base_url(device.uid)}/confirmationBase/deactivateAutoConfirm")

    assert response.status_code == 200
    assert Device.objects.get(pk=device.pk).auto_confirm_since is None
    assert "confirmationBase" in links(client, device)


def test_deactivating_when_off_answers_200(device, target_client):
    response = target_client(device).post(f"{base_url(device.uid)}/confirmationBase/deactivateAutoConfirm")

    assert response.status_code == 200
