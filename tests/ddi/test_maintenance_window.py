"""DDI's deploymentBase says hawkBit's handling: download, update, maintenanceWindow (docs/ddi.md), with
windows relative to the real clock; the root poll's ``c`` changes when a window opens."""

from datetime import UTC, datetime, timedelta

import pytest

from rollouts import policy
from rollouts.models import UpdateStatus, UpdateType
from rollouts.services import maintenance, transitions
from rollouts.services.ddi.controller import UpdateFacts, controllers, poll, update_facts

from .conftest import base_url

pytestmark = pytest.mark.django_db


def deployment(device, target_client):
    client = target_client(device)
    href = client.get(base_url(device.uid)).json()["_links"]["deploymentBase"]["href"]
    return client.get(href.removeprefix("http://testserver")).json()["deployment"]


def test_ddi_says_available_inside_a_window(offerable_release, device, target_client, open_window):
    offerable_release("2.0.0")

    handled = deployment(device, target_client)

    assert (handled["download"], handled["update"], handled["maintenanceWindow"]) == ("forced", "forced", "available")


def test_ddi_skips_the_update_outside_every_window(offerable_release, device, target_client, closed_window):
    offerable_release("2.0.0")

    handled = deployment(device, target_client)

    assert (handled["download"], handled["update"], handled["maintenanceWindow"]) == ("forced", "skip", "unavailable")


def test_ddi_download_only_downloads_forced_and_skips_the_update(offerable_release, device, target_client):
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, update_type=UpdateType.DOWNLOAD_ONLY)

    handled = deployment(device, target_client)

    assert (handled["download"], handled["update"], handled["attempt"]) == ("forced", "skip", 1)
    assert "maintenanceWindow" not in handled


def test_ddi_soft_is_attempt(offerable_release, device, target_client):
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, update_type=UpdateType.SOFT)

    handled = deployment(device, target_client)

    assert (handled["download"], handled["update"]) == ("attempt", "attempt")




def test_the_deployment_link_changes_when_a_window_opens(offerable_release, device, product):
    offerable_release("2.0.0")
    maintenance.add_window(product, "0 2 * * *", timedelta(hours=3), "UTC")
    snapshot = policy.for_product(product.pk)
    before = poll(device, snapshot, UpdateFacts(), None, datetime(2030, 1, 1, 1, 59, tzinfo=UTC))

    after = poll(device, snapshot, UpdateFacts(), None, datetime(2030, 1, 1, 2, tzinfo=UTC))

    assert before.deployment.action_id == after.deployment.action_id
    assert before.deployment.resource != after.deployment.resource


def test_a_started_update_of_a_paused_rollout_turns_forced_at_its_forced_time(offerable_release, device, product):
    release = offerable_release("2.0.0")
    forced_at = datetime(2030, 1, 1, 3, tzinfo=UTC)
    transitions.set_policy(release.rollout, update_type=UpdateType.TIMEFORCED, forced_at=forced_at)
    facts = UpdateFacts(started_id=1, started_attempt=1, started_update_type=UpdateType.TIMEFORCED,
                        started_rollout_id=release.rollout.pk, started_forced_at=forced_at)
    transitions.pause(release.rollout, reason="hold")  # no longer in the snapshot: the facts alone say it
    snapshot = policy.for_product(product.pk)

    soft = poll(device, snapshot, facts, {}, forced_at - timedelta(minutes=1))
    forced = poll(device, snapshot, facts, {}, forced_at)

    assert soft.deployment.resource != forced.deployment.resource


def test_the_started_updates_forced_time_comes_in_the_polls_query(offerable_release, device, target_client):
    release = offerable_release("2.0.0")
    forced_at = datetime(2030, 1, 1, 3, tzinfo=UTC)
    transitions.set_policy(release.rollout, update_type=UpdateType.TIMEFORCED, forced_at=forced_at)
    client = target_client(device)
    client.get(base_url(device.uid))
    update = release.device_updates.get()
    update.status = UpdateStatus.DOWNLOADING
    update.save()

    facts = update_facts(controllers(with_state=True).get(pk=device.pk))

    assert (facts.started_id, facts.started_update_type, facts.started_rollout_id, facts.started_forced_at) == (
        update.pk, UpdateType.TIMEFORCED, release.rollout.pk, forced_at)
