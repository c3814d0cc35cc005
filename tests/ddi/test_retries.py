"""Retries over DDI: a failed action is linked again after its back-off, as a new attempt with a new ``c``."""

from datetime import timedelta

import pytest

from devices.stamps import forget_devices
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.services import transitions
from tests.factories import DeviceFactory

from .conftest import action_url, base_url, feedback_body

pytestmark = pytest.mark.django_db
BACKOFF = timedelta(minutes=10)


def deployment_link(client, device) -> str | None:
    return client.get(base_url(device.uid)).json()["_links"].get("deploymentBase", {}).get("href")


@pytest.fixture
def failed_action(device, pending_update, target_client):
    """The device's action of a rollout with two attempts, closed with a failure: (client, update, its link)."""
    release, update = pending_update
    transitions.set_policy(release.rollout, max_attempts=2, retry_backoff=BACKOFF)
    client = target_client(device)
    link = deployment_link(client, device)
    response = client.post(f"{action_url(device, update)}/feedback", feedback_body("closed", "failure"),
                           format="json")
    assert response.status_code == 200
    update.refresh_from_db()
    assert update.status == UpdateStatus.FAILED
    return client, update, link


def test_a_failed_action_is_not_linked_during_its_back_off(device, failed_action):
    client, _, _ = failed_action

    assert deployment_link(client, device) is None


def test_a_failed_action_is_linked_again_after_its_back_off_with_a_new_c(device, failed_action):
    client, update, first_link = failed_action
    DeviceUpdate.objects.filter(pk=update.pk).update(finished_at=update.finished_at - BACKOFF)
    forget_devices(device.pk)

    link = deployment_link(client, device)

    assert link is not None and link != first_link
    assert link.split("?")[0] == first_link.split("?")[0]  # the same action id: a new attempt of it
    body = client.get(action_url(device, update)).json()
    assert body["deployment"]["attempt"] == 2


def test_a_failed_action_stays_closed_to_the_device_s_own_feedback(device, failed_action):
    client, update, _ = failed_action

    response = client.post(f"{action_url(device, update)}/feedback", feedback_body("download"), format="json")

    assert response.status_code == 410


def test_a_device_beyond_the_rate_budget_gets_no_deployment_this_minute(product, offerable_release, target_client,
                                                                      same_minute):
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, offers_per_minute=1)
    first, beyond = (DeviceFactory(product=product, uid=f"budget-{n}", installed_versions={"default": "1.0.0"})
                     for n in range(2))

    assert deployment_link(target_client(first), first) is not None
    assert deployment_link(target_client(beyond), beyond) is None
    assert not DeviceUpdate.objects.filter(device=beyond).exists()
