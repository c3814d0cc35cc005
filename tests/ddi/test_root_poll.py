"""GET /{tenant}/controller/v1/{controllerId}: polling interval, links, ETag."""

import re
from datetime import timedelta

import pytest

from catalog.models import Product
from rollouts.models import DeviceUpdate, Strategy, UpdateStatus
from rollouts.services import transitions
from rollouts.services.feedback import report_status

from .conftest import base_url

pytestmark = pytest.mark.django_db


def poll(client, device, **headers):
    return client.get(base_url(device.uid), **headers)


def links(response) -> dict:
    return response.json().get("_links", {})


@pytest.mark.parametrize("interval, sleep", [
    (timedelta(minutes=5), "00:05:00"),
    (timedelta(hours=2, minutes=3, seconds=4), "02:03:04"),
    (timedelta(days=3), "23:59:59"),  # agents read a 24-hour clock
    (timedelta(0), "00:00:01"),
])
def test_the_sleep_is_the_products_polling_interval_as_hh_mm_ss(device, target_client, interval, sleep):
    Product.objects.filter(pk=device.product_id).update(poll_interval=interval)

    response = poll(target_client(device), device)

    assert response.json()["config"] == {"polling": {"sleep": sleep}}


def test_an_idle_device_with_attributes_gets_no_links(device, target_client):
    device.attributes = {"hw": "2"}
    device.save()

    response = poll(target_client(device), device)

    assert response.json() == {"config": {"polling": {"sleep": "00:05:00"}}}


def test_a_device_without_attributes_is_asked_for_its_config_data(device, target_client):
    response = poll(target_client(device), device)

    assert links(response)["configData"]["href"] == f"http://testserver{base_url(device.uid)}/configData"


def test_an_offered_update_is_a_deployment_base_link_with_the_action_id_and_a_cache_buster(
        device, offerable_release, target_client):
    release = offerable_release("2.0.0")

    response = poll(target_client(device), device)

    update = DeviceUpdate.objects.get(device=device, release=release)
    href = links(response)["deploymentBase"]["href"]
    assert re.fullmatch(rf"http://testserver{base_url(device.uid)}/deploymentBase/{update.pk}\?c=-?\d+", href)
    assert update.status == UpdateStatus.OFFERED


def test_polling_again_offers_the_same_action(device, offerable_release, target_client):
    offerable_release("2.0.0")
    first = links(poll(target_client(device), device))["deploymentBase"]

    second = links(poll(target_client(device), device))["deploymentBase"]

    assert first == second
    assert DeviceUpdate.objects.filter(device=device).count() == 1


def test_the_cache_buster_changes_when_the_update_type_changes(device, offerable_release, target_client):
    release = offerable_release("2.0.0")
    before = links(poll(target_client(device), device))["deploymentBase"]["href"]

    transitions.set_policy(release.rollout, update_type="soft")

    after = links(poll(target_client(device), device))["deploymentBase"]["href"]
    assert before.split("?c=")[0] == after.split("?c=")[0]
    assert before != after


def test_a_suspended_release_is_not_offered(device, offerable_release, target_client):
    offerable_release("2.0.0", strategy=Strategy.SUSPENDED)

    response = poll(target_client(device), device)

    assert "deploymentBase" not in links(response)
    assert not DeviceUpdate.objects.filter(device=device).exists()


def test_an_aborted_rollout_withdraws_the_offer_with_a_cancel_action_link(device, pending_update, target_client):
    release, update = pending_update
    transitions.abort(release.rollout, "bad build")

    response = poll(target_client(device), device)

    assert links(response)["cancelAction"]["href"] == f"http://testserver{base_url(device.uid)}/cancelAction/{update.pk}"
    assert "deploymentBase" not in links(response)


def test_a_deprecated_release_withdraws_the_offer_and_cancels_the_update(device, pending_update, target_client):
    release, update = pending_update
    release.deprecate("bricks the display")

    response = poll(target_client(device), device)

    assert links(response)["cancelAction"]["href"].endswith(f"/cancelAction/{update.pk}")
    update.refresh_from_db()
    assert update.status == UpdateStatus.CANCELED
    assert "bricks the display" in update.reason


def test_an_update_being_installed_is_not_withdrawn_by_deprecation(device, pending_update, target_client):
    release, update = pending_update
    report_status(update, UpdateStatus.DOWNLOADING)
    report_status(update, UpdateStatus.INSTALLING)
    release.deprecate("too late for this one")

    response = poll(target_client(device), device)

    assert "cancelAction" not in links(response)
    assert links(response)["deploymentBase"]["href"].split("?")[0].endswith(f"/deploymentBase/{update.pk}")


def test_a_started_update_stays_deployable_when_its_rollout_is_paused(device, pending_update, target_client):
    release, update = pending_update
    report_status(update, UpdateStatus.DOWNLOADING)
    transitions.pause(release.rollout, "looking into reports")

    response = poll(target_client(device), device)

    assert links(response)["deploymentBase"]["href"].split("?")[0].endswith(f"/deploymentBase/{update.pk}")


def test_a_resumed_update_keeps_the_link_it_was_offered_with(device, pending_update, target_client):
    release, update = pending_update
    transitions.set_policy(release.rollout, update_type="soft")
    offered = links(poll(target_client(device), device))["deploymentBase"]["href"]
    report_status(update, UpdateStatus.DOWNLOADING)
    transitions.pause(release.rollout, "looking into reports")

    resumed = links(poll(target_client(device), device))["deploymentBase"]["href"]

    assert resumed == offered  # same action, same handling and attempt: the same ``c``


def test_after_an_installed_update_the_device_is_asked_for_its_attributes_and_sees_the_installed_base(
        device, pending_update, target_client):
    _, update = pending_update
    device.attributes = {"hw": "2"}
    device.save()
    report_status(update, UpdateStatus.DOWNLOADING)
    report_status(update, UpdateStatus.INSTALLED)

    response = poll(target_client(device), device)

    assert links(response)["installedBase"]["href"].endswith(f"/installedBase/{update.pk}")
    assert "configData" in links(response)
    assert "deploymentBase" not in links(response)


def test_the_etag_answers_304_while_nothing_changes(device, target_client):
    first = poll(target_client(device), device)

    again = poll(target_client(device), device, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["ETag"].startswith('"') and not first["ETag"].startswith('W/')
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again.content == b""


def test_a_new_offer_changes_the_etag(device, offerable_release, target_client):
    first = poll(target_client(device), device)
    offerable_release("2.0.0")

    again = poll(target_client(device), device, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "deploymentBase" in links(again)


def test_a_stale_etag_among_others_still_matches_the_current_one(device, target_client):
    current = poll(target_client(device), device)["ETag"]

    again = poll(target_client(device), device, HTTP_IF_NONE_MATCH=f'"old", W/{current}')

    assert again.status_code == 304


def test_hal_json_is_answered_to_agents_that_ask_for_it(device, target_client):
    response = poll(target_client(device), device, HTTP_ACCEPT="application/hal+json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/hal+json")


def test_other_methods_are_refused_in_hawkbits_shape(device, target_client):
    response = target_client(device).post(base_url(device.uid), {}, format="json")

    assert response.status_code == 405
    assert response.json()["exceptionClass"].endswith("HttpRequestMethodNotSupportedException")
