"""The device page: its pending update with an explain link, and attributes, tags and versions as tables."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from devices.models import Device
from rollouts.models import DeviceUpdate, Strategy, UpdateStatus
from tests.factories import DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def change_page(device):
    return reverse("admin:devices_device_change", args=[device.pk])


def test_the_page_shows_the_pending_update_with_its_status_release_and_explain_link(admin_client, product,
                                                                                      offerable_release):
    release = offerable_release("2.0.0")
    device = DeviceFactory(uid="dev-7", product=product)
    DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.DOWNLOADING)

    page = admin_client.get(change_page(device)).content.decode()

    pending = page.split('class="ota-pending-update"')[1].split("</span>\n")[0]
    assert 'data-state="downloading"' in pending
    assert reverse("admin:catalog_release_change", args=[release.pk]) in pending
    explain = reverse("admin:rollouts_rollout_explain", args=[release.rollout.pk]) + "?device=dev-7"
    assert explain in pending


def test_without_a_pending_update_the_page_offers_explain_for_each_live_rollout(admin_client, product,
                                                                                offerable_release):
    live = offerable_release("2.0.0")
    offerable_release("2.1.0", strategy=Strategy.SUSPENDED)  # a draft: nothing to explain yet
    device = DeviceFactory(uid="dev-8", product=product)

    page = admin_client.get(change_page(device)).content.decode()

    assert "Pending update</label>\n    none" in page
    live_list = page.split('class="ota-live-rollouts"')[1].split("</ul>")[0]
    assert reverse("admin:rollouts_rollout_explain", args=[live.rollout.pk]) + "?device=dev-8" in live_list
    assert "2.1.0" not in live_list


def test_the_explain_link_answers_for_that_device(admin_client, product, offerable_release):
    release = offerable_release("2.0.0")
    DeviceFactory(uid="dev-9", product=product, installed_versions={"default": "1.0.0"})

    response = admin_client.get(reverse("admin:rollouts_rollout_explain", args=[release.rollout.pk]),
                                {"device": "dev-9"})

    assert response.status_code == 200 and response.context["explanation"] is not None


def test_attributes_tags_and_installed_versions_show_as_tables(admin_client, product):
    device = DeviceFactory(uid="dev-10", product=product, attributes={"region": "eu", "revision": 3},
                           tags=["beta"], installed_versions={"default": "1.2.0", "display-app": "2.1.0"})

    page = admin_client.get(change_page(device)).content.decode()

    assert '<th scope="row">region</th><td>eu</td>' in page
    assert '<th scope="row">revision</th><td>3</td>' in page
    assert '<th scope="row">display-app</th><td>2.1.0</td>' in page
    assert '<ul class="ota-chips"><li>beta</li></ul>' in page
    assert 'data-ota-editor="keyvalue"' in page and 'data-ota-editor="list"' in page


def test_the_key_value_editor_posts_the_same_json_the_validators_check(admin_client, product):
    device = DeviceFactory(uid="dev-11", product=product, attributes={})
    form = {"name": "Boiler", "attributes": json.dumps({"region": "eu", "revision": 3}), "tags": '["beta"]'}

    response = admin_client.post(change_page(device), form)

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.attributes == {"region": "eu", "revision": 3} and device.tags == ["beta"]


def test_an_attribute_name_the_validator_refuses_is_an_error_on_the_field(admin_client, product):
    device = DeviceFactory(uid="dev-12", product=product, attributes={})

    form = {"name": "", "attributes": '{"bad key": 1}', "tags": "[]"}

    response = admin_client.post(change_page(device), form)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["attributes"][0].startswith("Attribute name 'bad key'")
    assert Device.objects.get(pk=device.pk).attributes == {}


def test_someone_who_may_only_look_sees_attributes_and_tags_as_tables(client, product):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_device"))
    client.force_login(viewer)
    device = DeviceFactory(uid="dev-13", product=product, attributes={"region": "eu"}, tags=["beta"])

    page = client.get(change_page(device)).content.decode()

    assert '<th scope="row">region</th><td>eu</td>' in page
    assert '<ul class="ota-chips"><li>beta</li></ul>' in page
    assert "data-ota-editor" not in page and "<textarea" not in page


def test_the_pending_update_is_shown_even_behind_five_newer_finished_ones(admin_client, product,
                                                                         offerable_release):
    device = DeviceFactory(uid="dev-14", product=product)
    pending = offerable_release("2.0.0")
    DeviceUpdate.objects.create(device=device, release=pending, status=UpdateStatus.INSTALLING,
                                offered_at=timezone.now() - timedelta(days=1))
    for minor in range(1, 6):
        DeviceUpdate.objects.create(device=device, release=offerable_release(f"2.{minor}.0"),
                                    status=UpdateStatus.REJECTED)

    page = admin_client.get(change_page(device)).content.decode()

    pending_html = page.split('class="ota-pending-update"')[1].split("</span>\n")[0]
    assert "2.0.0" in pending_html and 'data-state="installing"' in pending_html
