"""GET /api/v2/ota-files/{id}/file: the bytes, resumable, for the device's own active files only."""

import hashlib

import pytest
from django.urls import reverse
from django.utils.http import http_date

from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

CONTENT = bytes(range(256)) * 40  # 10,240 bytes, every byte value


def url_of(release):
    return reverse("ota-file-download", kwargs={"pk": release.artifact.pk})


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def release(product, verified_release):
    return verified_release(CONTENT, file_name="thermo-2.0.bin", product=product, version="2.0.0")


def test_the_download_route_has_the_agreed_name_and_path(release):
    assert url_of(release) == f"/api/v2/ota-files/{release.artifact.pk}/file"


def test_a_download_answers_the_whole_file_with_its_headers(device_api, release):
    response = device_api.get(url_of(release))

    assert response.status_code == 200
    assert body(response) == CONTENT
    sha256 = hashlib.sha256(CONTENT).hexdigest()
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{sha256}"'
    assert response["X-Checksum-Sha256"] == sha256
    assert response["Content-Disposition"] == 'attachment; filename="thermo-2.0.bin"'
    assert response["Last-Modified"] == http_date(release.artifact.verified_at.timestamp())


def test_an_accept_header_asking_for_octet_streams_is_fine(device_api, release):
    response = device_api.get(url_of(release), HTTP_ACCEPT="application/octet-stream")

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_the_first_bytes_can_be_asked_for(device_api, release):
    response = device_api.get(url_of(release), HTTP_RANGE="bytes=0-99")

    assert response.status_code == 206
    assert body(response) == CONTENT[:100]
    assert response["Content-Range"] == f"bytes 0-99/{len(CONTENT)}"
    assert response["Content-Length"] == "100"


def test_a_range_in_the_middle_is_served(device_api, release):
    response = device_api.get(url_of(release), HTTP_RANGE="bytes=1000-5999")

    assert response.status_code == 206
    assert body(response) == CONTENT[1000:6000]
    assert response["Content-Range"] == f"bytes 1000-5999/{len(CONTENT)}"


def test_an_open_range_runs_to_the_end(device_api, release):
    response = device_api.get(url_of(release), HTTP_RANGE="bytes=10000-")

    assert response.status_code == 206
    assert body(response) == CONTENT[10000:]
    assert response["Content-Range"] == f"bytes 10000-10239/{len(CONTENT)}"


def test_a_suffix_range_serves_the_last_bytes(device_api, release):
    response = device_api.get(url_of(release), HTTP_RANGE="bytes=-300")

    assert response.status_code == 206
    assert body(response) == CONTENT[-300:]
    assert response["Content-Range"] == f"bytes 9940-10239/{len(CONTENT)}"


def test_a_range_ending_past_the_end_is_cut_to_the_file(device_api, release):
    response = device_api.get(url_of(release), HTTP_RANGE="bytes=10200-99999")

    assert response.status_code == 206
    assert body(response) == CONTENT[10200:]
    assert response["Content-Range"] == f"bytes 10200-10239/{len(CONTENT)}"


@pytest.mark.parametrize("header", [f"bytes={len(CONTENT)}-", "bytes=20000-30000", "bytes=-0"])
def test_an_unsatisfiable_range_answers_416_with_the_size(device_api, release, header):
    response = device_api.get(url_of(release), HTTP_RANGE=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CONTENT)}"
    assert response.json()["detail"] == f"Range not satisfiable: the file has {len(CONTENT)} bytes."


@pytest.mark.parametrize("header", ["bytes=0-9,20-29", "items=0-9", "bytes=abc", "bytes=9-1"])
def test_a_range_the_portal_does_not_serve_gets_the_whole_file(device_api, release, header):
    response = device_api.get(url_of(release), HTTP_RANGE=header)

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_if_range_with_the_current_etag_serves_the_range(device_api, release):
    etag = f'"{release.artifact.sha256}"'

    response = device_api.get(url_of(release), HTTP_RANGE="bytes=100-199", HTTP_IF_RANGE=etag)

    assert response.status_code == 206
    assert body(response) == CONTENT[100:200]


@pytest.mark.parametrize("validator", [f'"{"0" * 64}"', "W/\"weak\""])
def test_if_range_with_a_stale_or_weak_etag_sends_the_whole_file(device_api, release, validator):
    response = device_api.get(url_of(release), HTTP_RANGE="bytes=100-199", HTTP_IF_RANGE=validator)

    assert response.status_code == 200
    assert body(response) == CONTENT
    assert "Content-Range" not in response


def test_if_range_with_the_last_modified_date_serves_the_range(device_api, release):
    date = http_date(release.artifact.verified_at.timestamp())

    response = device_api.get(url_of(release), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=date)

    assert response.status_code == 206


def test_if_range_with_an_older_date_sends_the_whole_file(device_api, release):
    date = http_date(release.artifact.verified_at.timestamp() - 3600)

    response = device_api.get(url_of(release), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=date)

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_head_answers_the_headers_without_the_bytes(device_api, release):
    response = device_api.head(url_of(release))

    assert response.status_code == 200
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["ETag"] == f'"{release.artifact.sha256}"'
    assert body(response) == b""


def test_a_download_needs_a_token(anonymous_api, release):
    assert anonymous_api.get(url_of(release)).status_code == 401


def test_unknown_inactive_and_foreign_files_answer_the_same_404(device_api, product, other_product,
                                                                verified_release, release):
    foreign = verified_release(product=other_product)
    inactive = verified_release(product=product, version="0.9.0")
    inactive.deprecate("recalled")
    paths = [url_of(foreign), url_of(inactive), "/api/v2/ota-files/999999999/file",
             "/api/v2/ota-files/abc/file", "/api/v2/ota-files/99999999999999999999999/file"]

    responses = [device_api.get(path) for path in paths]

    assert {response.status_code for response in responses} == {404}
    assert {response.content for response in responses} == {b'{"detail":"Not found."}'}


def test_a_device_of_another_product_cannot_download_the_file(other_product, release, device_client):
    stranger = DeviceFactory(product=other_product)

    assert device_client(stranger).get(url_of(release)).status_code == 404


def test_the_legacy_v1_path_answers_the_bytes(device_api, release):
    response = device_api.get(f"/api/v1/deviceUser/read-only/models/firmware/{release.artifact.pk}",
                              HTTP_RANGE="bytes=5-9")

    assert response.status_code == 206
    assert body(response) == CONTENT[5:10]


def test_the_legacy_v1_path_hides_inactive_files(device_api, release):
    release.deprecate("recalled")

    response = device_api.get(f"/api/v1/deviceUser/read-only/models/firmware/{release.artifact.pk}")

    assert response.status_code == 404
