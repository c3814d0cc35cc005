import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from rest_framework.test import APIClient

from catalog.models import ApiToken
from devices.models import Device
from rollouts.models import DeviceFilter, Strategy
from rollouts.services import transitions
from rollouts.services.filters import preview
from tests.factories import UserFactory
from tests.rollouts.factories import DeviceFilterFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/device-filters"
EU = [{"field": "attributes.region", "op": "eq", "value": "eu"}]


def client_with(*codenames):
    user = UserFactory()
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    _, plaintext = ApiToken.issue(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_a_filter_is_created_and_read_back_with_its_filter_id(api):
    created = api.post(URL, {"name": "eu", "description": "Europe", "conditions": EU}, format="json")

    assert created.status_code == 201, created.json()
    body = api.get(f"{URL}/{created.json()['filterId']}").json()
    assert body["name"] == "eu" and body["conditions"] == EU and body["id"] == body["filterId"]


def test_bad_conditions_are_refused_naming_the_condition(api):
    response = api.post(URL, {"name": "bad", "conditions": [EU[0], {"field": "colour", "op": "eq", "value": 1}]},
                        format="json")

    assert response.status_code == 400
    assert "conditions[1].field" in response.json()
    assert not DeviceFilter.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"conditions": EU}, "name"),
    ({"name": "x"}, "conditions"),
    ({"name": "x", "conditions": "region=eu"}, "conditions"),
])
def test_missing_or_malformed_fields_are_named(api, body, field):
    response = api.post(URL, body, format="json")

    assert response.status_code == 400 and field in response.json()


def test_a_duplicate_name_is_refused(api):
    DeviceFilterFactory(name="eu")

    response = api.post(URL, {"name": "eu", "conditions": []}, format="json")

    assert response.status_code == 400 and "name" in response.json()


def test_a_filter_is_replaced_with_put(api):
    device_filter = DeviceFilterFactory(name="eu", conditions=EU)

    response = api.put(f"{URL}/{device_filter.pk}", {"name": "europe", "conditions": []}, format="json")

    assert response.status_code == 200
    device_filter.refresh_from_db()
    assert (device_filter.name, device_filter.conditions) == ("europe", [])


def test_an_unused_filter_is_deleted(api):
    device_filter = DeviceFilterFactory()

    assert api.delete(f"{URL}/{device_filter.pk}").status_code == 204
    assert not DeviceFilter.objects.exists()


def test_a_filter_a_rollout_uses_is_not_deleted(api, offerable_release):
    device_filter = DeviceFilterFactory()
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.TARGETED, filters=[transitions.FilterSpec(device_filter)])

    response = api.delete(f"{URL}/{device_filter.pk}")

    assert response.status_code == 409
    assert "2.0.0" in response.json()["detail"]
    assert DeviceFilter.objects.filter(pk=device_filter.pk).exists()
    assert api.get(f"{URL}/{device_filter.pk}").json()["usedBy"] == [str(release.pk)]


def test_an_unknown_filter_answers_404_in_json(api):
    response = api.get(f"{URL}/00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404 and "detail" in response.json()


def test_the_preview_counts_matching_devices_exactly_on_a_small_fleet(api, product):
    Device.objects.bulk_create([Device(uid=f"d{n}", product=product, attributes={"region": ["eu", "us"][n % 2]})
                                for n in range(30)])
    device_filter = DeviceFilterFactory(conditions=EU)

    response = api.get(f"{URL}/{device_filter.pk}/preview")

    assert response.json() == {"count": 15, "exact": True, "method": "count"}


def test_the_preview_answers_the_planners_estimate_when_counting_takes_too_long(product, settings):
    Device.objects.bulk_create([Device(uid=f"d{n}", product=product, attributes={"region": "eu"})
                                for n in range(2000)])
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Device._meta.db_table}")
    settings.OTA_PREVIEW_EXACT_TIMEOUT_MS = 1
    # Every row sleeps 10 ms, so the exact count cannot finish within 1 ms.
    sleeping_on_each_row = RawSQL("pg_sleep(0.01) IS NOT NULL", [], output_field=BooleanField())

    result = preview(EU, Device.objects.filter(sleeping_on_each_row))

    # Fresh statistics: the planner sees a fleet of 2,000 devices, all in the EU.
    assert result.exact is False
    assert 1000 <= result.count <= 2000


def test_reading_needs_the_view_permission(product):
    DeviceFilterFactory()

    assert client_with().get(URL).status_code == 403
    assert client_with("view_devicefilter").get(URL).status_code == 200


def test_writing_needs_the_add_permission():
    viewer = client_with("view_devicefilter")

    assert viewer.post(URL, {"name": "x", "conditions": []}, format="json").status_code == 403
    assert client_with("add_devicefilter").post(URL, {"name": "x", "conditions": []},
                                                 format="json").status_code == 201


def test_anonymous_requests_are_refused(anonymous_api):
    assert anonymous_api.get(URL).status_code in (401, 403)


def test_the_preview_time_limit_does_not_outlive_the_preview(product):
    preview(EU)

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
