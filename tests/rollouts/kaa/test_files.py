"""Software files: upload (verified by a real worker), bad names, deletion."""

import hashlib
import io

import pytest
from django.conf import settings

from catalog.choices import ArtifactState
from catalog.models import Artifact
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for

from .conftest import software_url


def upload(client, content=b"kettle firmware", name="app.bin", version="1.0.2"):
    handle = io.BytesIO(content)
    handle.name = name
    return client.put(software_url("smart-kettle", version, "files"), {"file": handle}, format="multipart")


def bucket_keys(s3):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.mark.django_db(transaction=True)
def test_upload_answers_204_and_a_worker_verifies_the_file(api, kettle, celery_worker):
    ReleaseFactory(product=kettle, version="1.0.2")

    response = upload(api, b"kettle firmware 1.0.2", name="sketch.bin")

    assert response.status_code == 204
    artifact = wait_for(lambda: Artifact.objects.filter(state=ArtifactState.VERIFIED).first(),
                        message="verification")
    assert artifact.file_name == "sketch.bin"
    assert artifact.sha256 == hashlib.sha256(b"kettle firmware 1.0.2").hexdigest()
    assert api.get(software_url("smart-kettle", "1.0.2")).json()["filename"] == "sketch.bin"


@pytest.mark.django_db
def test_a_second_upload_replaces_the_file(api, kettle, s3, django_capture_on_commit_callbacks):
    ReleaseFactory(product=kettle, version="1.0.2")
    with django_capture_on_commit_callbacks(execute=False):
        upload(api, b"first", name="first.bin")
    first_key = Artifact.objects.get().storage_key

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, b"second", name="second.bin")

    assert response.status_code == 204
    artifact = Artifact.objects.get()
    assert (artifact.file_name, artifact.state) == ("second.bin", ArtifactState.PENDING)
    assert first_key not in bucket_keys(s3)


@pytest.mark.django_db
@pytest.mark.parametrize("name", [
    "App.bin", "app bin", "app:bin", "a" * 31, "app.bin;rm", "прошивка.bin", "_hidden.bin", ".",
])
def test_a_file_name_outside_kaa_rules_is_400_and_stores_nothing(api, kettle, s3, name):
    ReleaseFactory(product=kettle, version="1.0.2")
    before = bucket_keys(s3)

    response = upload(api, name=name)

    assert response.status_code == 400
    assert response.json()["message"].startswith("file:"), response.json()
    assert not Artifact.objects.exists()
    assert bucket_keys(s3) == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["a", "a" * 30, "app-1.2_3.bin"])
def test_file_names_within_kaa_rules_are_accepted(api, kettle, name):
    ReleaseFactory(product=kettle, version="1.0.2")

    response = upload(api, name=name)

    assert response.status_code == 204
    assert Artifact.objects.get().file_name == name


@pytest.mark.django_db
def test_an_upload_without_file_is_400(api, kettle):
    ReleaseFactory(product=kettle, version="1.0.2")

    response = api.put(software_url("smart-kettle", "1.0.2", "files"), {"other": "x"}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"message": "file: No file was submitted."}


@pytest.mark.django_db
def test_an_upload_of_an_empty_file_is_400(api, kettle):
    ReleaseFactory(product=kettle, version="1.0.2")

    response = upload(api, b"")

    assert response.status_code == 400
    assert response.json()["message"].startswith("file:")


@pytest.mark.django_db
def test_an_upload_larger_than_allowed_is_413(api, kettle, settings):
    settings.OTA_MAX_ARTIFACT_SIZE = 10
    ReleaseFactory(product=kettle, version="1.0.2")

    response = upload(api, b"eleven byte")

    assert response.status_code == 413
    assert response.json() == {
        "message": "file: The file is larger than the 10 bytes accepted (OTA_MAX_ARTIFACT_SIZE).",
    }
    assert not Artifact.objects.exists()


@pytest.mark.django_db
def test_an_upload_as_json_is_415(api, kettle):
    ReleaseFactory(product=kettle, version="1.0.2")

    response = api.put(software_url("smart-kettle", "1.0.2", "files"), {"file": "x"}, format="json")

    assert response.status_code == 415
    assert "message" in response.json()


@pytest.mark.django_db
def test_an_upload_to_an_unknown_version_is_404(api, kettle):
    response = upload(api, version="9.0.0")

    assert response.status_code == 404


@pytest.mark.django_db
def test_delete_file_answers_204_and_removes_row_and_object(
        api, kettle, verified_release, s3, django_capture_on_commit_callbacks):
    release = verified_release(product=kettle, version="1.0.2", file_name="sketch.bin")
    key = release.artifact.storage_key

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(software_url("smart-kettle", "1.0.2", "files", "sketch.bin"))

    assert response.status_code == 204
    assert not Artifact.objects.exists()
    assert key not in bucket_keys(s3)
    assert "filename" not in api.get(software_url("smart-kettle", "1.0.2")).json()


@pytest.mark.django_db
def test_delete_of_another_file_name_is_404_and_keeps_the_file(api, kettle, verified_release):
    verified_release(product=kettle, version="1.0.2", file_name="sketch.bin")

    response = api.delete(software_url("smart-kettle", "1.0.2", "files", "other.bin"))

    assert response.status_code == 404
    assert response.json() == {"message": "Software version '1.0.2' has no file 'other.bin'."}
    assert Artifact.objects.exists()
