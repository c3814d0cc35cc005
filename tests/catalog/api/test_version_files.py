"""``PUT /api/v1/ota/versions/{id}/file``: the bytes go to the S3 server and a real worker verifies them."""

import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.choices import ArtifactState
from catalog.models import Artifact
from tests.factories import ProductFactory, ReleaseFactory
from tests.fixtures.services import wait_for

from .conftest import VERSIONS_URL

CONTENT = b"firmware image bytes\n" * 100


def declared_release(content=CONTENT, **fields):
    return ReleaseFactory(declared_sha256=hashlib.sha256(content).hexdigest(), declared_size=len(content), **fields)


def put_raw(client, release, content=CONTENT, query="", **headers):
    return client.put(f"{VERSIONS_URL}/{release.public_id}/file{query}", data=content,
                      content_type="application/octet-stream", headers=headers)


def settled_version(client, release):
    body = client.get(f"{VERSIONS_URL}/{release.public_id}").json()
    return body if body["artifactState"] in ("verified", "failed") else None


def objects_under(s3, prefix):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def stored_bytes(s3, key):
    return s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)["Body"].read()


@pytest.mark.django_db(transaction=True)
def test_raw_upload_is_verified_by_the_worker(api, celery_worker):
    release = declared_release()

    response = put_raw(api, release)

    assert response.status_code == 200, response.json()
    assert response.json()["artifactState"] == ArtifactState.PENDING
    state = wait_for(lambda: settled_version(api, release), message="verification")
    assert (state["artifactState"], state["artifactError"]) == ("verified", None)


@pytest.mark.django_db(transaction=True)
def test_upload_not_matching_the_declared_checksum_fails_with_the_reason(api, celery_worker):
    release = declared_release()

    put_raw(api, release, content=b"other bytes")

    body = wait_for(lambda: settled_version(api, release), message="verification")
    assert body["artifactState"] == "failed"
    assert body["artifactError"].startswith("checksum mismatch")


@pytest.mark.django_db
def test_raw_upload_stores_the_exact_bytes(api, s3):
    release = declared_release()

    put_raw(api, release, query="?filename=image-1.3.0.bin")

    artifact = Artifact.objects.get(release=release)
    assert artifact.file_name == "image-1.3.0.bin"
    assert stored_bytes(s3, artifact.storage_key) == CONTENT
    assert (artifact.declared_sha256, artifact.declared_size) == (release.declared_sha256, release.declared_size)


@pytest.mark.django_db
def test_raw_upload_takes_the_name_from_content_disposition(api):
    release = declared_release()

    put_raw(api, release, **{"Content-Disposition": 'attachment; filename="meter.img"'})

    assert Artifact.objects.get(release=release).file_name == "meter.img"


@pytest.mark.django_db
def test_raw_upload_without_a_name_gets_one_from_the_version(api):
    release = declared_release(product=ProductFactory(key="meter"), version="1.3.0")

    put_raw(api, release)

    assert Artifact.objects.get(release=release).file_name == "meter-1.3.0.bin"


@pytest.mark.django_db
def test_multipart_upload_stores_the_file(api, s3):
    release = declared_release()

    response = api.put(f"{VERSIONS_URL}/{release.public_id}/file",
                       {"file": SimpleUploadedFile("fw.bin", CONTENT)}, format="multipart")

    assert response.status_code == 200, response.json()
    artifact = Artifact.objects.get(release=release)
    assert artifact.file_name == "fw.bin"
    assert stored_bytes(s3, artifact.storage_key) == CONTENT


@pytest.mark.django_db
def test_raw_upload_over_the_limit_answers_413_and_stores_nothing(api, s3, settings):
    settings.OTA_MAX_ARTIFACT_SIZE = len(CONTENT) - 1
    release = declared_release(version="9.0.0")

    response = put_raw(api, release)

    assert response.status_code == 413
    assert list(response.json()) == ["file"]
    assert not Artifact.objects.filter(release=release).exists()
    assert objects_under(s3, f"{release.product.key}/default/9.0.0/") == []


@pytest.mark.django_db
def test_multipart_upload_over_the_limit_is_stopped_while_streaming(api, s3, settings):
    settings.OTA_MAX_ARTIFACT_SIZE = 1024
    release = declared_release(version="9.1.0")

    response = api.put(f"{VERSIONS_URL}/{release.public_id}/file",
                       {"file": SimpleUploadedFile("fw.bin", b"x" * 4096)}, format="multipart")

    assert response.status_code == 413
    assert not Artifact.objects.filter(release=release).exists()
    assert objects_under(s3, f"{release.product.key}/default/9.1.0/") == []


@pytest.mark.django_db
def test_failed_upload_keeps_the_previous_artifact(api, s3, settings):
    release = declared_release()
    put_raw(api, release)
    before = Artifact.objects.get(release=release)
    settings.OTA_MAX_ARTIFACT_SIZE = 10

    put_raw(api, release, content=b"y" * 100)

    after = Artifact.objects.get(release=release)
    assert after.storage_key == before.storage_key
    assert stored_bytes(s3, after.storage_key) == CONTENT


@pytest.mark.django_db
def test_empty_body_names_the_file(api):
    release = declared_release()

    response = put_raw(api, release, content=b"")

    assert response.status_code == 400
    assert list(response.json()) == ["file"]


@pytest.mark.django_db
def test_unsafe_file_name_is_refused_naming_the_filename(api):
    release = declared_release()

    response = put_raw(api, release, query="?filename=bad%20name%21.bin")

    assert response.status_code == 400
    assert list(response.json()) == ["filename"]
    assert not Artifact.objects.filter(release=release).exists()


@pytest.mark.django_db
def test_json_body_is_refused_as_unsupported(api):
    release = declared_release()

    response = api.put(f"{VERSIONS_URL}/{release.public_id}/file", {"file": "x"}, format="json")

    assert response.status_code == 415


@pytest.mark.django_db
def test_upload_to_an_unknown_version_answers_404(api):
    response = api.put(f"{VERSIONS_URL}/ver-00000000-0000-0000-0000-000000000000/file", data=CONTENT,
                       content_type="application/octet-stream")

    assert response.status_code == 404
