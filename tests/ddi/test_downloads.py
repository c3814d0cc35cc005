"""GET {base}/softwaremodules/{moduleId}/artifacts[/{fileName}[.MD5SUM]] against the real S3 server."""

import hashlib

import pytest

from rollouts.models import Strategy
from rollouts.services import transitions
from tests.factories import DeviceFactory

from .conftest import base_url

pytestmark = pytest.mark.django_db

CONTENT = b"firmware image 2.0.0\n" * 100


@pytest.fixture
def offered(device, product, verified_release, target_client):
    """A verified release on the S3 server, offered to the device by its first poll: its artifact."""
    release = verified_release(CONTENT, version="2.0.0", product=product)
    transitions.start(release.rollout, strategy=Strategy.GENERAL)
    assert "deploymentBase" in target_client(device).get(base_url(device.uid)).json()["_links"]
    return release.artifact


def file_url(device, artifact, name=None):
    return f"{base_url(device.uid)}/softwaremodules/{artifact.pk}/artifacts/{name or artifact.file_name}"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_offered_file_downloads_whole_with_its_checksum(device, offered, target_client):
    response = target_client(device).get(file_url(device, offered), HTTP_ACCEPT="application/octet-stream")

    assert response.status_code == 200
    assert body_of(response) == CONTENT
    assert response["ETag"] == f'"{hashlib.sha256(CONTENT).hexdigest()}"'
    assert response["Accept-Ranges"] == "bytes"


def test_a_range_resumes_the_download(device, offered, target_client):
    response = target_client(device).get(file_url(device, offered), HTTP_RANGE="bytes=100-",
                                          HTTP_IF_RANGE=f'"{offered.sha256}"')

    assert response.status_code == 206
    assert body_of(response) == CONTENT[100:]
    assert response["Content-Range"] == f"bytes 100-{len(CONTENT) - 1}/{len(CONTENT)}"


def test_a_range_past_the_end_answers_416(device, offered, target_client):
    response = target_client(device).get(file_url(device, offered), HTTP_RANGE=f"bytes={len(CONTENT)}-")

    assert response.status_code == 416


def test_the_md5sum_file_is_hawkbits_md5sum_line(device, offered, target_client):
    response = target_client(device).get(file_url(device, offered, "firmware.bin.MD5SUM"), HTTP_ACCEPT="text/plain")

    assert response.status_code == 200
    assert response.content == f"{hashlib.md5(CONTENT).hexdigest()}  firmware.bin".encode()
    assert response["Content-Type"].startswith("text/plain")
    assert response["Content-Disposition"] == "attachment;filename=firmware.bin.MD5SUM"


def test_the_software_module_lists_its_file(device, offered, target_client):
    response = target_client(device).get(f"{base_url(device.uid)}/softwaremodules/{offered.pk}/artifacts")

    assert response.status_code == 200
    [file] = response.json()
    assert file["filename"] == "firmware.bin"
    assert file["hashes"]["md5"] == hashlib.md5(CONTENT).hexdigest()
    assert file["hashes"]["sha1"] == hashlib.sha1(CONTENT).hexdigest()


def test_a_wrong_file_name_is_not_found(device, offered, target_client):
    response = target_client(device).get(file_url(device, offered, "other.bin"))

    assert response.status_code == 404
    assert response.json()["errorCode"] == "hawkbit.server.error.repo.entityNotFound"


def test_a_device_never_offered_the_release_cannot_download_it(offered, product, target_client):
    neighbour = DeviceFactory(product=product, uid="dev-0002", installed_versions={"default": "9.0.0"})

    for url in (file_url(neighbour, offered), file_url(neighbour, offered, "firmware.bin.MD5SUM"),
                f"{base_url(neighbour.uid)}/softwaremodules/{offered.pk}/artifacts"):
        response = target_client(neighbour).get(url)
        assert response.status_code == 404, url


def test_a_device_cannot_download_through_another_devices_controller_id(device, offered, other_device,
                                                                        target_client):
    response = target_client(other_device).get(file_url(device, offered))

    assert response.status_code == 401


def test_a_module_id_that_is_not_a_number_answers_400(device, offered, target_client):
    response = target_client(device).get(f"{base_url(device.uid)}/softwaremodules/firmware/artifacts/firmware.bin")

    assert response.status_code == 400
    assert response.json()["parameters"] == ["softwareModuleId"]
