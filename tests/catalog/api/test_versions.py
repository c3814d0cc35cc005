"""The version catalog API: RegisterVersion and the list, show and deprecate companions."""

import re

import pytest

from catalog.choices import ReleaseStatus
from catalog.models import Release
from tests.factories import ModuleFactory, ProductFactory, ReleaseFactory

from .conftest import VERSIONS_URL

pytestmark = pytest.mark.django_db

SHA = "abc123def456abc123def456abc123def456abc123def456abc123def456abc1"
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def default_product(settings):
    return ProductFactory(key=settings.OTA_DEFAULT_PRODUCT)


def registration(**overrides):
    body = {"version": "1.3.0", "releaseNotes": "Bug fixes and performance improvements",
            "sha256Checksum": SHA, "fileSize": 52428800, "minAgentVersion": "1.2.0"}
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


def test_register_answers_200_with_the_version(api, default_product):
    response = api.post(VERSIONS_URL, registration(), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    release = Release.objects.get()
    assert body["id"] == f"ver-{release.id}"
    assert {key: body[key] for key in ("version", "releaseNotes", "sha256Checksum", "fileSize",
                                       "minAgentVersion", "status", "deprecateReason")} == {
        "version": "1.3.0", "releaseNotes": "Bug fixes and performance improvements", "sha256Checksum": SHA,
        "fileSize": 52428800, "minAgentVersion": "1.2.0", "status": "active", "deprecateReason": None,
    }
    assert UTC_Z.match(body["createdAt"]) and UTC_Z.match(body["updatedAt"])
    assert (body["artifactState"], body["artifactError"]) == ("none", None)


def test_register_stores_the_release_in_the_default_product_and_module(api, default_product):
    api.post(VERSIONS_URL, registration(), format="json")

    release = Release.objects.get()
    assert (release.product, release.module.name) == (default_product, "default")
    assert (release.declared_sha256, release.declared_size, release.min_agent_version) == (SHA, 52428800, "1.2.0")


def test_register_accepts_the_file_size_as_a_numeric_string(api, default_product):
    response = api.post(VERSIONS_URL, registration(fileSize="52428800"), format="json")

    assert response.status_code == 200
    assert response.json()["fileSize"] == 52428800


def test_register_lowercases_an_uppercase_checksum(api, default_product):
    response = api.post(VERSIONS_URL, registration(sha256Checksum=SHA.upper()), format="json")

    assert response.json()["sha256Checksum"] == SHA


def test_register_in_a_named_product_and_module(api):
    module = ModuleFactory(product=ProductFactory(key="gateway"), name="modem")

    response = api.post(VERSIONS_URL, registration(product="gateway", module="modem"), format="json")

    assert response.status_code == 200
    assert (response.json()["product"], response.json()["module"]) == ("gateway", "modem")
    assert Release.objects.get().module == module


def test_register_without_any_field_names_each_missing_field(api, default_product):
    response = api.post(VERSIONS_URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"version", "releaseNotes", "sha256Checksum", "fileSize", "minAgentVersion"}
    assert not Release.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("sha256Checksum", "abc123"),
    ("sha256Checksum", "z" * 64),
    ("fileSize", "52 MB"),
    ("fileSize", -1),
    ("fileSize", 0),
    ("fileSize", True),
    ("fileSize", 1.5),
    ("version", "1.3.0 beta"),
    ("version", "v" * 257),
    ("minAgentVersion", "1.2/0"),
    ("releaseNotes", ""),
])
def test_register_refuses_an_invalid_field_naming_it(api, default_product, field, value):
    response = api.post(VERSIONS_URL, registration(**{field: value}), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_register_refuses_a_file_size_over_the_upload_limit(api, default_product, settings):
    settings.OTA_MAX_ARTIFACT_SIZE = 1000

    response = api.post(VERSIONS_URL, registration(fileSize=1001), format="json")

    assert response.status_code == 400
    assert "fileSize" in response.json()


def test_register_in_an_unknown_product_names_the_product(api):
    response = api.post(VERSIONS_URL, registration(product="nope"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["product"]


def test_register_in_an_unknown_module_names_the_module(api, default_product):
    response = api.post(VERSIONS_URL, registration(module="nope"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["module"]


def test_register_an_existing_version_answers_409_with_its_id(api, default_product):
    first = api.post(VERSIONS_URL, registration(), format="json").json()

    response = api.post(VERSIONS_URL, registration(releaseNotes="again"), format="json")

    assert response.status_code == 409
    assert response.json()["id"] == first["id"]
    assert Release.objects.get().release_notes == "Bug fixes and performance improvements"


def test_register_refuses_a_body_that_is_not_json(api, default_product):
    response = api.post(VERSIONS_URL, "version=1.3.0", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert "detail" in response.json()


def test_show_answers_the_version(api):
    release = ReleaseFactory(version="2.0.0")

    response = api.get(f"{VERSIONS_URL}/{release.public_id}")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["version"]) == (release.public_id, "2.0.0")


@pytest.mark.parametrize("public_id", ["ver-00000000-0000-0000-0000-000000000000", "ver-nonsense", "1.3.0",
                                       "00000000-0000-0000-0000-000000000000"])
def test_show_an_unknown_id_answers_404_json(api, public_id):
    response = api.get(f"{VERSIONS_URL}/{public_id}")

    assert response.status_code == 404
    assert "detail" in response.json()


def test_list_is_paginated(api):
    for index in range(3):
        ReleaseFactory(version=f"1.{index}.0")

    response = api.get(VERSIONS_URL, {"limit": 2})

    body = response.json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"] is not None


def test_list_filters_by_status(api):
    ReleaseFactory(version="1.0.0")
    deprecated = ReleaseFactory(version="1.1.0")
    deprecated.deprecate("broken")

    response = api.get(VERSIONS_URL, {"status": "deprecated"})

    assert [item["id"] for item in response.json()["results"]] == [deprecated.public_id]


def test_list_filters_by_product_and_module(api):
    wanted = ReleaseFactory(module=ModuleFactory(product=ProductFactory(key="gateway"), name="modem"),
                            product=ProductFactory(key="gateway"))
    ReleaseFactory(product=ProductFactory(key="gateway"))
    ReleaseFactory(product=ProductFactory(key="meter"))

    response = api.get(VERSIONS_URL, {"product": "gateway", "module": "modem"})

    assert [item["id"] for item in response.json()["results"]] == [wanted.public_id]


def test_list_refuses_an_unknown_status_naming_the_filter(api):
    response = api.get(VERSIONS_URL, {"status": "retired"})

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_list_runs_a_constant_number_of_queries(api, django_assert_max_num_queries):
    for index in range(2):
        ReleaseFactory(version=f"1.{index}.0")
    with django_assert_max_num_queries(6) as few:
        api.get(VERSIONS_URL)
    for index in range(2, 12):
        ReleaseFactory(version=f"1.{index}.0")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(VERSIONS_URL)

    assert len(response.json()["results"]) == 12


def test_deprecate_sets_status_and_reason(api):
    release = ReleaseFactory()

    response = api.post(f"{VERSIONS_URL}/{release.public_id}/deprecate",
                        {"reason": "Security vulnerability in v1.3.0; upgrade to v1.3.1"}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["deprecateReason"]) == (
        "deprecated", "Security vulnerability in v1.3.0; upgrade to v1.3.1")
    release.refresh_from_db()
    assert release.status == ReleaseStatus.DEPRECATED


def test_deprecate_without_a_reason_names_the_reason(api):
    release = ReleaseFactory()

    response = api.post(f"{VERSIONS_URL}/{release.public_id}/deprecate", {"reason": " "}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]
    release.refresh_from_db()
    assert release.status == ReleaseStatus.ACTIVE


def test_deprecate_an_unknown_version_answers_404(api):
    response = api.post(f"{VERSIONS_URL}/ver-00000000-0000-0000-0000-000000000000/deprecate",
                        {"reason": "gone"}, format="json")

    assert response.status_code == 404
