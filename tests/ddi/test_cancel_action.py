"""GET {base}/cancelAction/{actionId} and its feedback."""

import pytest

from rollouts.models import UpdateStatus
from rollouts.services import transitions

from .conftest import action_url, base_url, feedback_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def canceled(device, pending_update):
    release, update = pending_update
    transitions.abort(release.rollout, "bad build")
    update.refresh_from_db()
    return update


def poll_links(client, device):
    return client.get(base_url(device.uid)).json().get("_links", {})


def test_a_canceled_action_names_the_action_to_stop(device, canceled, target_client):
    response = target_client(device).get(action_url(device, canceled, "cancelAction"))

    assert response.status_code == 200
    assert response.json() == {"id": str(canceled.pk), "cancelAction": {"stopId": str(canceled.pk)}}


def test_an_action_that_is_not_canceled_has_no_cancel_action(device, pending_update, target_client):
    _, update = pending_update

    response = target_client(device).get(action_url(device, update, "cancelAction"))

    assert response.status_code == 404


@pytest.mark.parametrize("body", [feedback_body("closed", "success"), feedback_body("closed", "failure"),
                                  feedback_body("rejected", "none")])
def test_closing_or_rejecting_the_cancellation_ends_the_cancel_action_link(device, canceled, target_client, body):
    client = target_client(device)
    assert "cancelAction" in poll_links(client, device)

    response = client.post(action_url(device, canceled, "cancelAction") + "/feedback", body, format="json")

    assert response.status_code == 200
    assert "cancelAction" not in poll_links(client, device)
    canceled.refresh_from_db()
    assert canceled.status == UpdateStatus.CANCELED
    assert canceled.cancel_acknowledged_at is not None


def test_an_intermediate_cancel_report_keeps_the_link(device, canceled, target_client):
    client = target_client(device)

    response = client.post(action_url(device, canceled, "cancelAction") + "/feedback",
                           feedback_body("proceeding", details=["stopping"]), format="json")

    assert response.status_code == 200
    assert "cancelAction" in poll_links(client, device)


def test_confirming_through_the_deployment_feedback_also_ends_the_link(device, canceled, target_client):
    client = target_client(device)

    response = client.post(action_url(device, canceled) + "/feedback", feedback_body("canceled"), format="json")

    assert response.status_code == 200
    assert "cancelAction" not in poll_links(client, device)


def test_progress_on_a_canceled_action_answers_410(device, canceled, target_client):
    response = target_client(device).post(action_url(device, canceled) + "/feedback", feedback_body("proceeding"),
                                          format="json")

    assert response.status_code == 410


def test_feedback_on_an_action_that_is_not_canceled_is_not_found(device, pending_update, target_client):
    _, update = pending_update

    response = target_client(device).post(action_url(device, update, "cancelAction") + "/feedback",
                                          feedback_body("closed", "success"), format="json")

    assert response.status_code == 404


def test_a_bad_cancel_feedback_answers_400(device, canceled, target_client):
    response = target_client(device).post(action_url(device, canceled, "cancelAction") + "/feedback",
                                          {"status": {"execution": "closed"}}, format="json")

    assert response.status_code == 400
    assert response.json()["parameters"] == ["status.result"]


def test_a_new_offer_does_not_wait_for_the_answer_to_the_cancellation(device, canceled, offerable_release,
                                                                       target_client):
    client = target_client(device)
    offerable_release("2.1.0")

    links = poll_links(client, device)

    assert links["cancelAction"]["href"].endswith(f"/cancelAction/{canceled.pk}")
    assert "deploymentBase" in links


def test_an_update_offered_again_and_withdrawn_again_asks_again(device, canceled, target_client):
    client = target_client(device)
    client.post(action_url(device, canceled, "cancelAction") + "/feedback", feedback_body("closed", "success"),
                format="json")
    rollout = canceled.release.rollout
    transitions.start(rollout, strategy=rollout.strategy)
    assert poll_links(client, device)["deploymentBase"]["href"].split("?")[0].endswith(f"/{canceled.pk}")

    transitions.abort(rollout, "still bad")

    assert poll_links(client, device)["cancelAction"]["href"].endswith(f"/cancelAction/{canceled.pk}")


def test_a_withdrawn_update_offered_again_before_its_answer_is_only_deployed(device, canceled, target_client):
    client, rollout = target_client(device), canceled.release.rollout

    transitions.start(rollout, strategy=rollout.strategy)

    links = poll_links(client, device)
    assert "cancelAction" not in links
    assert links["deploymentBase"]["href"].split("?")[0].endswith(f"/deploymentBase/{canceled.pk}")
    assert client.get(action_url(device, canceled)).status_code == 200
