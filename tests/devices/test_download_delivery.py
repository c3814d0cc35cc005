"""Delivery paths beyond the test client: a real curl resuming a broken download, and the S3 redirect."""

import hashlib
import os
import shutil
import subprocess
import urllib.request

import pytest
from django.urls import reverse

from tests.factories import DeviceFactory
from tests.fixtures.services import wait_for

CONTENT = os.urandom(3 * 1024 * 1024)


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is installed by .ci/run")
@pytest.mark.django_db(transaction=True)
def test_curl_resumes_a_broken_download_to_the_right_sha256(live_server, product, verified_release, tmp_path):
    release = verified_release(CONTENT, product=product)
    device = DeviceFactory(product=product)
    url = live_server.url + reverse("ota-file-download", kwargs={"pk": release.artifact.pk})
    target = tmp_path / "firmware.bin"
    curl = ["curl", "--silent", "--show-error", "--header", f"x-access-token: {device.token}",
            "--output", str(target)]

    # Break the download for real: a slow curl is killed once some bytes have arrived,
    # however loaded the machine is, instead of relying on a time limit.
    broken = subprocess.Popen([*curl, "--limit-rate", "8k", url], stderr=subprocess.PIPE)
    wait_for(lambda: target.exists() and target.stat().st_size > 0, timeout=30, message="the first bytes")
    broken.kill()
    broken.wait(10)
    partial = target.stat().st_size
    resumed = subprocess.run([*curl, "--fail", "--continue-at", "-", "--write-out", "%{http_code}", url],
                             capture_output=True, text=True, timeout=60)

    assert 0 < partial < len(CONTENT)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == "206"
    assert sha256_file(target) == release.artifact.sha256 == hashlib.sha256(CONTENT).hexdigest()


@pytest.mark.django_db
def test_the_redirect_mode_answers_302_to_a_presigned_url_with_the_bytes(settings, device_api, product,
                                                                         verified_release):
    settings.OTA_DOWNLOAD_REDIRECT = True
    settings.OTA_DOWNLOAD_URL_TTL = 123
    release = verified_release(CONTENT[:5000], product=product)

    response = device_api.get(reverse("ota-file-download", kwargs={"pk": release.artifact.pk}))

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(settings.AWS_S3_ENDPOINT_URL)
    assert "X-Amz-Expires=123" in location
    assert response["X-Checksum-Sha256"] == release.artifact.sha256
    assert response["Cache-Control"] == "no-store"
    with urllib.request.urlopen(location, timeout=10) as fetched:
        assert fetched.read() == CONTENT[:5000]


@pytest.mark.django_db
def test_a_presigned_url_serves_ranges_for_resuming(settings, device_api, product, verified_release):
    settings.OTA_DOWNLOAD_REDIRECT = True
    release = verified_release(CONTENT[:5000], product=product)
    location = device_api.get(reverse("ota-file-download", kwargs={"pk": release.artifact.pk}))["Location"]

    with urllib.request.urlopen(urllib.request.Request(location, headers={"Range": "bytes=4000-"}),
                                timeout=10) as fetched:
        assert fetched.status == 206
        assert fetched.read() == CONTENT[4000:5000]


@pytest.mark.django_db
def test_head_in_redirect_mode_answers_the_headers_itself(settings, device_api, product, verified_release):
    settings.OTA_DOWNLOAD_REDIRECT = True
    release = verified_release(CONTENT[:5000], product=product)

    response = device_api.head(reverse("ota-file-download", kwargs={"pk": release.artifact.pk}))

    assert response.status_code == 200
    assert response["Content-Length"] == "5000"


@pytest.mark.django_db
def test_without_redirect_mode_the_portal_streams_the_bytes(device_api, product, verified_release):
    release = verified_release(CONTENT[:5000], product=product)

    response = device_api.get(reverse("ota-file-download", kwargs={"pk": release.artifact.pk}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT[:5000]
