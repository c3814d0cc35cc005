"""The device list's filters (tag, attribute, installed version, update status), each on an index."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from devices.filtersets import attribute_equals, has_installed, has_tag
from devices.models import Device
from rollouts.models import DeviceUpdate, UpdateStatus
from tests.factories import DeviceFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:devices_device_changelist")


def listed(response) -> set[str]:
    return {device.uid for device in response.context["cl"].result_list}


def test_the_tag_filter_lists_the_devices_carrying_the_tag(admin_client, product):
    DeviceFactory(uid="beta-1", product=product, tags=["beta", "lab"])
    DeviceFactory(uid="stable-1", product=product, tags=["stable"])

    assert listed(admin_client.get(CHANGELIST, {"tag": "beta"})) == {"beta-1"}


def test_the_attribute_filter_matches_key_equals_value(admin_client, product):
    DeviceFactory(uid="eu-1", product=product, attributes={"region": "eu"})
    DeviceFactory(uid="us-1", product=product, attributes={"region": "us"})

    assert listed(admin_client.get(CHANGELIST, {"attr": "region=eu"})) == {"eu-1"}


def test_the_attribute_filter_matches_a_number_written_as_text(admin_client, product):
    DeviceFactory(uid="rev-3", product=product, attributes={"revision": 3})
    DeviceFactory(uid="rev-4", product=product, attributes={"revision": 4})

    assert listed(admin_client.get(CHANGELIST, {"attr": "revision=3"})) == {"rev-3"}


def test_the_installed_version_filter_matches_module_and_version(admin_client, product):
    DeviceFactory(uid="old", product=product, installed_versions={"default": "1.0.0"})
    DeviceFactory(uid="new", product=product, installed_versions={"default": "2.0.0"})

    assert listed(admin_client.get(CHANGELIST, {"installed": "default=2.0.0"})) == {"new"}


def test_the_installed_version_filter_suggests_the_catalogs_versions(admin_client, product):
    ReleaseFactory(product=product, version="3.1.0")

    page = admin_client.get(CHANGELIST).content.decode()

    assert '<option value="default=3.1.0">' in page


def test_filters_keep_the_search_and_each_other(admin_client, product):
    DeviceFactory(uid="boiler-eu", product=product, attributes={"region": "eu"}, tags=["beta"])
    DeviceFactory(uid="boiler-us", product=product, attributes={"region": "us"}, tags=["beta"])
    DeviceFactory(uid="attic-eu", product=product, attributes={"region": "eu"}, tags=["beta"])

    response = admin_client.get(CHANGELIST, {"q": "boiler", "tag": "beta", "attr": "region=eu"})

    assert listed(response) == {"boiler-eu"}
    # The attribute filter's form carries the search and the tag along as hidden fields.
    assert '<input type="hidden" name="q" value="boiler">' in response.content.decode()


def test_the_update_status_filter_lists_devices_with_a_pending_update(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0")
    waiting = DeviceFactory(uid="waiting", product=product)
    done = DeviceFactory(uid="done", product=product)
    DeviceFactory(uid="untouched", product=product)
    DeviceUpdate.objects.create(device=waiting, release=release, status=UpdateStatus.DOWNLOADING)
    DeviceUpdate.objects.create(device=done, release=release, status=UpdateStatus.COMMITTED)

    assert listed(admin_client.get(CHANGELIST, {"update": "pending"})) == {"waiting"}
    assert listed(admin_client.get(CHANGELIST, {"update": "committed"})) == {"done"}
    assert listed(admin_client.get(CHANGELIST, {"update": "never"})) == {"untouched"}


@pytest.mark.parametrize("query", [{"attr": "region"}, {"attr": "bad key!=x"}, {"tag": "two words"},
                                   {"installed": "default=not a version"}, {"attr": "region=" + "x" * 300}])
def test_a_malformed_filter_value_sends_the_user_back_the_admin_way(admin_client, product, query):
    response = admin_client.get(CHANGELIST, query)

    assert response.status_code == 302 and response["Location"].endswith("?e=1")


@pytest.mark.parametrize(("condition", "index"), [
    (attribute_equals("region", "eu"), "device_attributes_gin"),
    (has_installed("default", "1.0.0"), "device_installed_gin"),
    (has_tag("beta"), "device_tags_gin"),
])
def test_each_json_filter_can_use_its_gin_index(condition, index):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: make the planner show its options
        plan = Device.objects.filter(condition).order_by().explain()

    assert index in plan


def test_a_filtered_list_counts_exactly_only_up_to_a_thousand_devices(admin_client, product):
    DeviceFactory(uid="beta-1", product=product, tags=["beta"])

    with CaptureQueriesContext(connection) as filtered:
        admin_client.get(CHANGELIST, {"tag": "beta"})

    counts = [query["sql"] for query in filtered.captured_queries if "COUNT(*)" in query["sql"]]
    assert counts and all("LIMIT 1001" in sql for sql in counts)


def test_the_user_is_told_what_was_wrong_with_a_filter_value(admin_client, product):
    response = admin_client.get(CHANGELIST, {"attr": "region"}, follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Filter by attribute: 'region': use KEY=VALUE, e.g. region=eu."]
