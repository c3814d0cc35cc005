"""The device admin: pages, token actions and a list that stays cheap on big fleets."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devices import tokens
from devices.admin.pagination import EstimatedCountPaginator
from devices.models import Device, DeviceEvent
from devices.services import deactivate_device, rotate_token, update_device
from tests.devices.test_query_counts import grow_fleet
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/devices/device/"


def change_url(device, action=""):
    return f"/admin/devices/device/{device.pk}/{action or 'change'}/"


def token_on(page: str, uid: str) -> str:
    return re.search(rf'data-uid="{re.escape(uid)}">([^<]+)<', page)[1]


def test_the_list_shows_product_installed_versions_agent_and_status(admin_client, device):
    page = admin_client.get(CHANGELIST).content.decode()

    assert device.uid in page and "thermostat" in page
    assert "default 1.0.0" in page and "1.5.0" in page
    assert 'data-state="active"' in page


def test_the_list_searches_by_uid_prefix(admin_client, product):
    DeviceFactory(uid="kitchen-1", product=product)
    DeviceFactory(uid="hall-1", product=product)

    page = admin_client.get(CHANGELIST, {"q": "kitch"}).content.decode()

    assert "kitchen-1" in page and "hall-1" not in page


def test_the_list_searches_by_name_prefix(admin_client, product):
    DeviceFactory(uid="a-1", name="Boiler room", product=product)
    DeviceFactory(uid="b-1", name="Attic", product=product)

    page = admin_client.get(CHANGELIST, {"q": "Boiler"}).content.decode()

    assert "a-1" in page and "b-1" not in page


@pytest.mark.parametrize("query", [{"product__id__exact": "1"}, {"is_active__exact": "0"}, {"seen": "never"},
                                   {"seen": "week+"}, {"seen": "hour"}])
def test_the_list_filters_answer(admin_client, device, query):
    assert admin_client.get(CHANGELIST, query).status_code == 200


def test_the_list_costs_the_same_queries_with_10_and_10000_devices(admin_client, product):
    grow_fleet(product, devices=10, releases=0)
    admin_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as small:
        admin_client.get(CHANGELIST)

    grow_fleet(product, devices=9_990, releases=0, start=10)
    with CaptureQueriesContext(connection) as large:
        response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    counts = [q["sql"] for q in large.captured_queries if "COUNT(*)" in q["sql"]]
    assert counts and all("LIMIT 10001" in sql for sql in counts)  # never a count of the whole table


def test_the_paginator_counts_exactly_up_to_its_limit(product):
    grow_fleet(product, devices=30, releases=0)

    paginator = type("Small", (EstimatedCountPaginator,), {"exact_limit": 50})(Device.objects.all(), 10)

    assert paginator.count == 30


def test_the_paginator_estimates_past_its_limit_without_counting_everything(product):
    grow_fleet(product, devices=300, releases=0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE devices_device")
    small = type("Small", (EstimatedCountPaginator,), {"exact_limit": 50})

    with CaptureQueriesContext(connection) as queries:
        whole = small(Device.objects.all(), 10).count
        filtered = small(Device.objects.filter(uid__startswith="fleet-0001"), 10).count

    assert 250 <= whole <= 350
    assert filtered >= 51
    assert all("LIMIT 51" in q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"])


def test_the_device_page_shows_its_event_history(admin_client, device):
    update_device(device, tags=["lab"])
    deactivate_device(device, reason="stolen")

    page = admin_client.get(change_url(device)).content.decode()

    assert "Deactivated: stolen" in page and "Changed tags." in page
    assert f"?device__id__exact={device.pk}" in page


def test_adding_a_device_shows_its_token_once(admin_client, product):
    response = admin_client.post("/admin/devices/device/add/", {
        "uid": "added-1", "product": product.pk, "name": "", "attributes": '{"region": "eu"}', "tags": "[]",
        "agent_version": "1.0.0", "installed_versions": '{"default": "1.0.0"}',
    })

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = tokens.authenticate(token_on(response.content.decode(), "added-1"))
    assert device.uid == "added-1" and device.attributes == {"region": "eu"}
    assert device.events.get().kind == DeviceEvent.Kind.REGISTERED


def test_editing_a_device_goes_through_the_registry_and_records_an_event(admin_client, device):
    response = admin_client.post(change_url(device), {"name": "Renamed", "attributes": '{"region": "us"}',
                                                      "tags": '["a"]'})

    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.name, device.attributes, device.tags) == ("Renamed", {"region": "us"}, ["a"])
    assert device.events.filter(kind=DeviceEvent.Kind.UPDATED).exists()


def test_rotating_a_token_shows_the_new_one_and_logs_it(admin_client, device):
    response = admin_client.post(change_url(device, "rotate-token"))

    new_token = token_on(response.content.decode(), device.uid)
    assert tokens.authenticate(new_token) == device
    assert tokens.authenticate(device.token) is None
    assert LogEntry.objects.get(object_id=str(device.pk)).change_message == "Rotated the device token."


def test_rotating_a_token_must_be_a_post(admin_client, device):
    assert admin_client.get(change_url(device, "rotate-token")).status_code == 405
    assert tokens.authenticate(device.token) == device


def test_deactivating_from_the_device_page_stops_the_token(admin_client, device):
    response = admin_client.post(change_url(device, "deactivate"))

    assert response.status_code == 302
    assert tokens.authenticate(device.token) is None
    logged = LogEntry.objects.filter(object_id=str(device.pk), change_message="Deactivated the device.")
    assert logged.exists()


def test_the_list_action_rotates_the_selected_devices_tokens(admin_client, device, product):
    other = DeviceFactory(uid="other-1", product=product)

    response = admin_client.post(CHANGELIST, {"action": "rotate_tokens_selected",
                                              "_selected_action": [device.pk, other.pk]})

    page = response.content.decode()
    assert tokens.authenticate(token_on(page, device.uid)) == device
    assert tokens.authenticate(token_on(page, "other-1")) == other


def test_the_list_action_deactivates_the_selected_devices(admin_client, device):
    admin_client.post(CHANGELIST, {"action": "deactivate_selected", "_selected_action": [device.pk]})

    device.refresh_from_db()
    assert not device.is_active


def test_events_are_read_only(admin_client, device):
    rotate_token(device)
    event = device.events.get()

    assert admin_client.get("/admin/devices/deviceevent/").status_code == 200
    assert admin_client.get(f"/admin/devices/deviceevent/?device__id__exact={device.pk}").status_code == 200
    assert admin_client.post(f"/admin/devices/deviceevent/{event.pk}/delete/").status_code == 403
