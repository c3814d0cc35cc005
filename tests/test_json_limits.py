"""Free JSON fields keep to OTA_JSON_MAX_DEPTH, _KEYS, _VALUES and _BYTES, and hold no NUL, wherever they come in."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from catalog.models import Release
from devices.models import Device
from otaportal import json_limits
from rollouts.models import DeviceFilter
from tests.catalog.test_admin_actions import change_form_data
from tests.factories import ReleaseFactory

KAA_SOFTWARE = "/otao/api/v1/applications/thermostat/software/9.0.0"
LIMITS = json_limits.Limits(max_depth=3, max_keys=2, max_values=8, max_bytes=40)


def nested(depth, leaf="leaf"):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def refusal(value, limits=LIMITS, root="spec") -> str:
    with pytest.raises(ValidationError) as refused:
        json_limits.check(value, limits, root)
    return refused.value.message


# --- the check itself --------------------------------------------------------

def test_a_value_within_every_limit_passes():
    json_limits.check({"a": [1, {"b": "c"}]}, LIMITS, "spec")


def test_depth_is_refused_at_the_first_level_too_deep():
    assert refusal({"a": [1, {"b": {}}]}) == "Nested deeper than 3 levels (OTA_JSON_MAX_DEPTH) at spec.a[1].b."


def test_an_object_with_too_many_keys_is_refused_where_it_is():
    assert refusal({"a": {"x": 1, "y": 2, "z": 3}}) == \
        "More than 2 keys in one object (OTA_JSON_MAX_KEYS) at spec.a."


def test_too_many_keys_and_values_in_all_are_refused():
    assert refusal([[1, 2], [3, 4], [5, 6]]).startswith("More than 8 keys and values in all")


def test_too_many_bytes_are_refused():
    assert refusal({"a": "x" * 40}) == "Larger than 40 bytes as JSON (OTA_JSON_MAX_BYTES) at spec."


def test_nul_in_a_key_is_refused_with_the_key_escaped():
    assert refusal({"a\x00": 1}) == 'NUL characters (\\u0000) are not allowed at spec["a\\u0000"].'


def test_a_value_nested_100000_levels_is_judged_without_recursing():
    value = []
    for _ in range(100_000):
        value = [value]

    assert refusal(value).startswith("Nested deeper than 3 levels")


# --- the API, the admin and the commands --------------------------------------

@pytest.mark.django_db
def test_a_kaa_specification_deeper_than_the_limit_answers_400_and_stores_nothing(api, product):
    response = api.post(KAA_SOFTWARE, {"rolloutStrategy": "general", "specification": nested(33)}, format="json")

    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("specification: Nested deeper than 32 levels (OTA_JSON_MAX_DEPTH) at specification.a.a")
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_a_kaa_specification_nested_600_levels_answers_400_and_stores_nothing(api, product):
    body = '{"rolloutStrategy": "general", "specification": ' + "[" * 600 + "]" * 600 + "}"

    response = api.post(KAA_SOFTWARE, body, content_type="application/json")

    assert response.status_code == 400
    assert "Nested deeper than" in response.json()["message"]
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_kaa_metadata_larger_than_the_limit_answers_400(api, product, settings):
    settings.OTA_JSON_MAX_BYTES = 100

    response = api.post(KAA_SOFTWARE, {"rolloutStrategy": "general", "metadata": "x" * 100}, format="json")

    assert response.status_code == 400
    assert response.json()["message"] == (
        "metadata: Larger than 100 bytes as JSON (OTA_JSON_MAX_BYTES) at metadata.")


@pytest.mark.django_db
def test_check_in_attributes_deeper_than_the_limit_answer_400_naming_them(device_api):
    body = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}, "attributes": {"hw": nested(32)}}

    response = device_api.post("/api/v1/device/check-in", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["attributes"]


@pytest.mark.django_db
def test_filter_conditions_deeper_than_the_limit_answer_400_naming_them(api):
    conditions = [{"field": "attributes.region", "op": "in", "value": [nested(31)]}]

    response = api.post("/api/v1/device-filters", {"name": "deep", "conditions": conditions}, format="json")

    assert response.status_code == 400
    assert "conditions[0].value[0].a" in str(response.json())
    assert not DeviceFilter.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field, depth", [("metadata", 33), ("specification", 5000)])
def test_the_release_admin_form_refuses_json_deeper_than_the_limit(admin_client, field, depth):
    release = ReleaseFactory()

    response = admin_client.post(reverse("admin:catalog_release_change", args=[release.pk]),
                                 change_form_data(release, **{field: "[" * depth + "]" * depth}))

    assert response.status_code == 200
    assert "Nested deeper than 32 levels" in str(response.context["adminform"].form.errors[field])
    release.refresh_from_db()
    assert getattr(release, field) is None


@pytest.mark.django_db
def test_the_device_filter_admin_form_answers_a_5000_level_text_with_a_form_error(admin_client):
    response = admin_client.post(reverse("admin:rollouts_devicefilter_add"), {
        "name": "deep", "description": "", "conditions": "[" * 5000 + "]" * 5000,
    })

    assert response.status_code == 200
    assert not DeviceFilter.objects.exists()


@pytest.mark.django_db
def test_import_devices_refuses_an_attribute_holding_nul(product, tmp_path):
    source = tmp_path / "devices.csv"
    source.write_text("uid,product,attr:region\nok-1,thermostat,eu\nnul-1,thermostat,e\x00u\n")
    errors = io.StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_devices", str(source), "--output", str(tmp_path / "tokens.csv"), stderr=errors)

    assert "NUL characters (\\u0000) are not allowed at attributes.region" in errors.getvalue()
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_the_device_admin_form_answers_5000_level_attributes_with_a_form_error(admin_client, device):
    response = admin_client.post(f"/admin/devices/device/{device.pk}/change/", {
        "name": "", "attributes": "[" * 5000 + "]" * 5000, "tags": "[]",
    })

    assert response.status_code == 200
    assert "Nested deeper than 32 levels" in str(response.context["adminform"].form.errors["attributes"])
