"""The IoTDA-style package API: create, list, show, delete, with IoTDA's value rules and error bodies."""

import uuid

import pytest
from django.conf import settings

from catalog.choices import ArtifactState, PackageType
from catalog.models import Artifact, Module, Release
from catalog.services import verification
from tests.factories import ModuleFactory, ProductFactory, ReleaseFactory, ResourceSpaceFactory
from tests.fixtures.services import wait_for

from .conftest import PACKAGES_URL

pytestmark = pytest.mark.django_db


def create(client, body):
    return client.post(PACKAGES_URL, body, format="json")


def assert_invalid(response, *fragments, code="IOTDA.000006"):
    assert response.status_code == 400, response.json()
    assert response.json()["error_code"] == code
    for fragment in fragments:
        assert fragment in response.json()["error_msg"]


def test_create_answers_201_with_the_package(api, package_body):
    body = package_body()

    response = create(api, body)

    assert response.status_code == 201, response.json()
    package = response.json()
    release = Release.objects.get()
    assert package["package_id"] == release.id.hex and len(package["package_id"]) == 32
    assert {key: package[key] for key in ("app_id", "package_type", "product_id", "product_name", "version",
                                          "support_source_versions", "description", "custom_info")} == {
        "app_id": body["app_id"], "package_type": "firmwarePackage", "product_id": body["product_id"],
        "product_name": "Smart Meter", "version": "V2.0", "support_source_versions": ["V1.0", "V1.1"],
        "description": body["description"], "custom_info": body["custom_info"],
    }
    assert package["create_time"] == release.created_at.strftime("%Y%m%dT%H%M%SZ")
    assert package["file_location"]["obs_location"] == {
        "region_name": settings.AWS_S3_REGION_NAME, "bucket_name": settings.AWS_STORAGE_BUCKET_NAME,
        "object_key": body["file_location"]["obs_location"]["object_key"], "sign_method": "SHA256",
        "sign": body["file_location"]["obs_location"]["sign"],
    }


def test_create_maps_the_package_onto_a_release_and_a_referenced_artifact(api, package_body, iot_product):
    body = package_body()

    create(api, body)

    release = Release.objects.select_related("artifact", "module").get()
    assert (release.product, release.module.name, release.package_type) == (iot_product, "default", "firmwarePackage")
    assert release.allowed_source_versions == ["V1.0", "V1.1"]
    assert release.declared_sha256 == body["file_location"]["obs_location"]["sign"]
    artifact = release.artifact
    assert (artifact.bucket, artifact.storage_key, artifact.owned, artifact.state) == (
        "", body["file_location"]["obs_location"]["object_key"], False, ArtifactState.PENDING)


@pytest.mark.django_db(transaction=True)
def test_created_package_is_verified_against_its_sign_by_the_worker(api, package_body, celery_worker):
    create(api, package_body(content=b"\x7fELF firmware"))

    artifact = wait_for(lambda: Artifact.objects.filter(state__in=["verified", "failed"]).first(),
                        message="verification")

    assert artifact.state == ArtifactState.VERIFIED
    assert artifact.size == len(b"\x7fELF firmware")


@pytest.mark.django_db(transaction=True)
def test_package_whose_object_does_not_match_its_sign_fails_verification(api, package_body, celery_worker):
    body = package_body()
    body["file_location"]["obs_location"]["sign"] = "0" * 64

    create(api, body)

    artifact = wait_for(lambda: Artifact.objects.filter(state__in=["verified", "failed"]).first(),
                        message="verification")
    assert artifact.failure_reason == "checksum mismatch"


def test_sign_is_optional_and_sign_method_defaults_to_sha256(api, package_body):
    body = package_body()
    del body["file_location"]["obs_location"]["sign"]

    response = create(api, body)

    assert response.status_code == 201
    assert response.json()["file_location"]["obs_location"]["sign_method"] == "SHA256"
    assert response.json()["file_location"]["obs_location"]["sign"] is None


def test_module_package_creates_a_module_it_names(api, package_body, iot_product):
    response = create(api, package_body(package_type="modulePackage", module_name="modem.fw"))

    assert response.status_code == 201
    assert response.json()["module_name"] == "modem.fw"
    assert Module.objects.filter(product=iot_product, name="modem.fw").exists()


def test_module_package_uses_an_existing_module(api, package_body, iot_product):
    module = ModuleFactory(product=iot_product, name="modem")

    create(api, package_body(package_type="modulePackage", module_name="modem"))

    assert Release.objects.get().module == module


def test_module_name_with_a_firmware_package_is_refused(api, package_body):
    response = create(api, package_body(module_name="modem"))

    assert_invalid(response, "module_name")
    assert not Module.objects.filter(name="modem").exists()


def test_missing_object_is_refused_and_nothing_is_written(api, package_body):
    body = package_body(package_type="modulePackage", module_name="brand-new")
    body["file_location"]["obs_location"]["object_key"] = "uploads/never-uploaded.bin"

    response = create(api, body)

    assert_invalid(response, "file_location.obs_location.object_key", "uploads/never-uploaded.bin")
    assert not Release.objects.exists()
    assert not Module.objects.filter(name="brand-new").exists()


def test_bucket_the_portal_does_not_serve_from_is_refused(api, package_body):
    body = package_body()
    body["file_location"]["obs_location"]["bucket_name"] = "someone-elses-bucket"

    response = create(api, body)

    assert_invalid(response, "file_location.obs_location.bucket_name")


def test_bucket_listed_in_the_setting_may_be_named(api, package_body, s3, settings):
    s3.create_bucket(Bucket="vendor-drops")
    s3.put_object(Bucket="vendor-drops", Key="v2/upgrade.zip", Body=b"zip")
    settings.OTA_PACKAGE_BUCKETS = ["vendor-drops"]
    body = package_body()
    body["file_location"]["obs_location"].update(bucket_name="vendor-drops", object_key="v2/upgrade.zip")
    del body["file_location"]["obs_location"]["sign"]

    response = create(api, body)

    assert response.status_code == 201, response.json()
    assert Artifact.objects.get().bucket == "vendor-drops"
    assert response.json()["file_location"]["obs_location"]["bucket_name"] == "vendor-drops"


def test_object_larger_than_the_limit_is_refused(api, package_body, settings):
    body = package_body(content=b"x" * 100)
    settings.OTA_MAX_ARTIFACT_SIZE = 99

    response = create(api, body)

    assert_invalid(response, "object_key", "99 bytes")


def test_unknown_product_is_refused(api, package_body):
    response = create(api, package_body(product_id="unknown-product"))

    assert_invalid(response, "product_id")


def test_product_of_another_resource_space_is_refused(api, package_body):
    ResourceSpaceFactory(key="other-space")

    response = create(api, package_body(app_id="other-space"))

    assert_invalid(response, "app_id", "does not belong")


def test_product_without_a_resource_space_is_refused(api, package_body):
    ProductFactory(key="loose-product")

    response = create(api, package_body(product_id="loose-product"))

    assert_invalid(response, "app_id")


def test_existing_version_is_refused_naming_the_version(api, package_body):
    create(api, package_body())

    response = create(api, package_body())

    assert_invalid(response, "version", "already exists")
    assert Release.objects.count() == 1


def test_required_fields_are_named(api):
    response = create(api, {})

    assert_invalid(response, "app_id", "package_type", "product_id", "version", "file_location")


def test_obs_location_fields_are_required(api, package_body):
    response = create(api, package_body(file_location={"obs_location": {}}))

    assert_invalid(response, "file_location.obs_location.region_name", "file_location.obs_location.bucket_name",
                   "file_location.obs_location.object_key")


@pytest.mark.parametrize(("field", "value"), [
    ("app_id", "a" * 37),
    ("app_id", "space.a"),
    ("product_id", "p" * 37),
    ("product_id", "meter/1"),
    ("package_type", "patchPackage"),
    ("version", "v" * 257),
    ("version", "V2.0+build"),
    ("support_source_versions", [f"V1.{n}" for n in range(21)]),
    ("support_source_versions", ["V1 0"]),
    ("description", "d" * 1025),
    ("custom_info", "c" * 4097),
])
def test_value_rules_of_the_body(api, package_body, field, value):
    response = create(api, package_body(**{field: value}))

    assert_invalid(response, field)
    assert not Release.objects.exists()


def test_module_name_rules(api, package_body):
    response = create(api, package_body(package_type="modulePackage", module_name="m" * 65))

    assert_invalid(response, "module_name")


@pytest.mark.parametrize(("field", "value"), [
    ("region_name", "cn_north_4"),
    ("region_name", "r" * 257),
    ("bucket_name", "ab"),
    ("bucket_name", "b" * 64),
    ("bucket_name", "Upper-Case"),
    ("bucket_name", "under_score"),
    ("object_key", "k" * 1021 + ".bin"),
    ("object_key", "firmware.txt"),
    ("object_key", "firmware.xz"),
    ("object_key", "../other/firmware.bin"),
    ("object_key", "/absolute/firmware.bin"),
    ("object_key", "folder//firmware.bin"),
    ("sign_method", "MD5"),
    ("sign_method", "SHA-512"),
    ("sign", "a" * 63),
    ("sign", "a" * 65),
    ("sign", "g" * 64),
    ("sign", "-" * 64),
])
def test_value_rules_of_the_obs_location(api, package_body, field, value):
    body = package_body()
    body["file_location"]["obs_location"][field] = value

    response = create(api, body)

    assert_invalid(response, f"file_location.obs_location.{field}")


@pytest.mark.parametrize("name", ["upgrade.bin", "upgrade.dav", "upgrade.tar", "upgrade.gz", "upgrade.zip",
                                  "upgrade.gzip", "upgrade.apk", "upgrade.tar.gz", "upgrade.tar.xz",
                                  "upgrade.pack", "upgrade.exe", "upgrade.bat", "upgrade.img", "UPGRADE.BIN"])
def test_every_documented_extension_is_accepted(api, package_body, stored_object, name):
    key, _ = stored_object(name=name)
    body = package_body()
    body["file_location"]["obs_location"].update(object_key=key)
    del body["file_location"]["obs_location"]["sign"]

    assert create(api, body).status_code == 201


def test_twenty_source_versions_are_accepted(api, package_body):
    response = create(api, package_body(support_source_versions=[f"V1.{n}" for n in range(20)]))

    assert response.status_code == 201


def test_malformed_json_answers_iotda_000008(api):
    response = api.post(PACKAGES_URL, "{not json", content_type="application/json")

    assert_invalid(response, code="IOTDA.000008")


def test_show_answers_the_package(api, package_body):
    package_id = create(api, package_body()).json()["package_id"]

    response = api.get(f"{PACKAGES_URL}/{package_id}")

    assert response.status_code == 200
    assert response.json()["package_id"] == package_id
    assert response.json()["file_location"]["obs_location"]["sign_method"] == "SHA256"


def test_show_accepts_the_dashed_uuid_too(api):
    release = ReleaseFactory()

    assert api.get(f"{PACKAGES_URL}/{release.id}").json()["package_id"] == release.id.hex


def test_show_a_release_without_a_file_has_no_location(api):
    release = ReleaseFactory()

    assert api.get(f"{PACKAGES_URL}/{release.id.hex}").json()["file_location"] is None


@pytest.mark.parametrize("package_id", [uuid.uuid4().hex, "not-a-package"])
def test_show_an_unknown_package_answers_404_iotda(api, package_id):
    response = api.get(f"{PACKAGES_URL}/{package_id}")

    assert response.status_code == 404
    assert response.json()["error_code"] == "IOTDA.014000"


def test_delete_answers_204_and_keeps_the_object(api, package_body, s3):
    body = package_body()
    package_id = create(api, body).json()["package_id"]

    response = api.delete(f"{PACKAGES_URL}/{package_id}")

    assert response.status_code == 204
    assert not Release.objects.exists() and not Artifact.objects.exists()
    key = body["file_location"]["obs_location"]["object_key"]
    assert s3.head_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)["ContentLength"] > 0


def test_delete_an_unknown_package_answers_404(api):
    response = api.delete(f"{PACKAGES_URL}/{uuid.uuid4().hex}")

    assert response.status_code == 404
    assert response.json()["error_code"] == "IOTDA.014000"


def test_project_id_does_not_select_anything(api, package_body):
    package_id = create(api, package_body()).json()["package_id"]

    response = api.get(f"/v5/iot/another-project/ota-upgrades/packages/{package_id}")

    assert response.status_code == 200


def test_release_of_the_version_catalog_is_listed_as_a_firmware_package(api, iot_product):
    release = ReleaseFactory(product=iot_product, version="1.0.0")

    package = api.get(PACKAGES_URL).json()["packages"][0]

    assert (package["package_id"], package["package_type"], package["module_name"]) == (
        release.id.hex, PackageType.FIRMWARE, None)
    assert "file_location" not in package


def test_module_package_without_a_module_name_goes_to_the_default_module(api, package_body):
    response = create(api, package_body(package_type="modulePackage"))

    assert response.status_code == 201
    assert response.json()["module_name"] == "default"


@pytest.fixture
def local_storage(settings, tmp_path):
    """Artifacts on the local disk: MEDIA_ROOT/artifacts, as without AWS_STORAGE_BUCKET_NAME."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "artifacts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "artifacts"), "allow_overwrite": False},
    }}
    return tmp_path


def test_with_local_storage_the_bucket_is_a_folder_under_the_media_root(api, package_body, local_storage):
    (local_storage / "artifacts" / "drops").mkdir(parents=True)
    (local_storage / "artifacts" / "drops" / "upgrade.bin").write_bytes(b"local bytes")
    body = package_body()
    body["file_location"]["obs_location"].update(bucket_name="artifacts", object_key="drops/upgrade.bin")
    del body["file_location"]["obs_location"]["sign"]

    response = create(api, body)

    assert response.status_code == 201, response.json()
    assert response.json()["file_location"]["obs_location"]["bucket_name"] == "artifacts"
    artifact = verification.verify(Artifact.objects.get().pk)
    assert (artifact.state, artifact.size) == (ArtifactState.VERIFIED, len(b"local bytes"))


def test_with_local_storage_a_missing_file_is_refused(api, package_body, local_storage):
    body = package_body()
    body["file_location"]["obs_location"].update(bucket_name="artifacts", object_key="drops/none.bin")

    assert_invalid(create(api, body), "object_key")


def test_with_local_storage_another_folder_is_refused(api, package_body, local_storage):
    (local_storage / "private").mkdir()
    (local_storage / "private" / "secret.bin").write_bytes(b"secret")
    body = package_body()
    body["file_location"]["obs_location"].update(bucket_name="private", object_key="secret.bin")

    assert_invalid(create(api, body), "bucket_name")
