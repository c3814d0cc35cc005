"""GET /api/v2/ota-files: who may call it and what it lists."""

import pytest

from catalog.choices import ArtifactState
from devices.services import deactivate_device, rotate_token
from tests.factories import DeviceFactory, ModuleFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/ota-files"


def ids(response):
    return [item["id"] for item in response.json()]


def test_a_request_without_a_token_is_refused_with_401(anonymous_api):
    response = anonymous_api.get(URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("token", ["garbage", "dev_0123456789ab_not-the-secret"])
def test_a_wrong_token_is_refused_with_401(anonymous_api, device, token):
    anonymous_api.credentials(HTTP_X_ACCESS_TOKEN=token)

    response = anonymous_api.get(URL)

    assert response.status_code == 401
    assert "detail" in response.json()


def test_a_device_token_with_a_wrong_secret_is_refused(anonymous_api, device):
    kind, prefix, _ = device.token.split("_", 2)
    anonymous_api.credentials(HTTP_X_ACCESS_TOKEN=f"{kind}_{prefix}_forged")

    assert anonymous_api.get(URL).status_code == 401


def test_a_management_bearer_token_is_not_a_device_token(api):
    response = api.get(URL)

    assert response.status_code == 401


def test_a_deactivated_device_is_refused_at_once(device, device_api):
    assert device_api.get(URL).status_code == 200

    deactivate_device(device)

    assert device_api.get(URL).status_code == 401


def test_a_rotated_token_is_refused_and_the_new_one_works(device, device_api):
    new_token = rotate_token(device)

    assert device_api.get(URL).status_code == 401
    device_api.credentials(HTTP_X_ACCESS_TOKEN=new_token)
    assert device_api.get(URL).status_code == 200


def test_the_list_shows_the_products_files_with_their_metadata(device_api, product, verified_release):
    release = verified_release(b"abc", file_name="thermo.bin", product=product, version="1.2.3",
                               release_notes="Faster heating")

    response = device_api.get(URL)

    assert response.status_code == 200
    assert response.json() == [{
        "id": str(release.artifact.pk),
        "version": "1.2.3",
        "module": "default",
        "isActive": True,
        "fileName": "thermo.bin",
        "fileSize": 3,
        "sha256Checksum": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "releaseNotes": "Faster heating",
        "createdAt": release.artifact.created_at.isoformat().replace("+00:00", "Z"),
    }]


def test_another_products_files_are_not_listed(device_api, product, other_product, verified_release):
    own = verified_release(product=product)
    verified_release(product=other_product)

    assert ids(device_api.get(URL)) == [str(own.artifact.pk)]


def test_a_device_of_another_product_sees_only_its_own_files(product, other_product, verified_release,
                                                             device_client):
    verified_release(product=product)
    theirs = verified_release(product=other_product)
    stranger = DeviceFactory(product=other_product)

    assert ids(device_client(stranger).get(URL)) == [str(theirs.artifact.pk)]


def test_the_module_filter_keeps_that_modules_files(device_api, product, verified_release):
    display = ModuleFactory(product=product, name="display-app")
    wanted = verified_release(product=product, module=display)
    verified_release(product=product)

    response = device_api.get(URL, {"module": "display-app"})

    assert ids(response) == [str(wanted.artifact.pk)]
    assert response.json()[0]["module"] == "display-app"


def test_an_unknown_module_lists_nothing(device_api, product, verified_release):
    verified_release(product=product)

    assert device_api.get(URL, {"module": "nope"}).json() == []


@pytest.mark.parametrize("value", ["1", "true", "True", "TRUE"])
def test_is_active_true_keeps_active_files(device_api, product, verified_release, value):
    active = verified_release(product=product, version="2.0.0")
    verified_release(product=product, version="1.0.0").deprecate("broken")

    assert ids(device_api.get(URL, {"isActive": value})) == [str(active.artifact.pk)]


@pytest.mark.parametrize("value", ["0", "false", "False"])
def test_is_active_false_keeps_inactive_files(device_api, product, verified_release, value):
    verified_release(product=product, version="2.0.0")
    deprecated = verified_release(product=product, version="1.0.0")
    deprecated.deprecate("broken")

    response = device_api.get(URL, {"isActive": value})

    assert ids(response) == [str(deprecated.artifact.pk)]
    assert response.json()[0]["isActive"] is False


def test_a_file_whose_artifact_is_not_verified_is_inactive(device_api, product, verified_release):
    release = verified_release(product=product)
    release.artifact.state = ArtifactState.FAILED
    release.artifact.save()

    assert device_api.get(URL, {"isActive": "1"}).json() == []
    assert device_api.get(URL, {"isActive": "0"}).json()[0]["isActive"] is False


@pytest.mark.parametrize("value", ["yes", "2", "on", "maybe"])
def test_any_other_is_active_value_is_a_400_naming_is_active(device_api, value):
    response = device_api.get(URL, {"isActive": value})

    assert response.status_code == 400
    assert response.json() == {"isActive": ["Use 1, 0, true or false."]}


def test_files_are_ordered_by_module_then_newest_version_first(device_api, product, verified_release):
    for version in ["1.9.0", "1.10.0", "1.3.0-rc.1", "1.3.0"]:
        verified_release(product=product, version=version)

    versions = [item["version"] for item in device_api.get(URL).json()]

    assert versions == ["1.10.0", "1.9.0", "1.3.0", "1.3.0-rc.1"]


def test_the_legacy_v1_list_uses_the_old_field_names(device_api, product, verified_release):
    release = verified_release(product=product, version="3.1.0")

    item = device_api.get("/api/v1/deviceUser/read-only/models/firmware", {"isActive": "1"}).json()[0]

    assert item["firmware_id"] == str(release.artifact.pk)
    assert item["version_number"] == "3.1.0"
    assert "id" not in item and "version" not in item
    assert item["isActive"] is True and item["fileName"] == "firmware.bin"


def test_the_legacy_v1_list_needs_a_device_token(anonymous_api):
    assert anonymous_api.get("/api/v1/deviceUser/read-only/models/firmware").status_code == 401
