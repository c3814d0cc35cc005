"""Downloads off the main path: constant memory, local file storage, storage failures, odd file names."""

import os
import tracemalloc

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.urls import reverse

from catalog.models import Artifact
from catalog.services import artifacts
from devices.api.downloads import ByteRange, RangeNotSatisfiable, parse_range, representation_headers
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def download_url(release):
    return reverse("ota-file-download", kwargs={"pk": release.artifact.pk})


def peak_memory_of_download(client, release) -> tuple[int, int]:
    """(bytes received, peak bytes allocated by Python while downloading)."""
    url = download_url(release)
    b"".join(client.get(url, HTTP_RANGE="bytes=0-0").streaming_content)  # warm the S3 client up first
    tracemalloc.start()
    try:
        received = sum(len(chunk) for chunk in client.get(url).streaming_content)
        return received, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_download_streams_in_memory_that_does_not_grow_with_the_file(device_api, product, verified_release):
    small = verified_release(os.urandom(4 << 20), product=product, version="1.0.0")
    large = verified_release(os.urandom(40 << 20), product=product, version="2.0.0")

    small_received, small_peak = peak_memory_of_download(device_api, small)
    large_received, large_peak = peak_memory_of_download(device_api, large)

    assert (small_received, large_received) == (4 << 20, 40 << 20)
    assert large_peak < small_peak + (1 << 20)  # measured: about 3 MiB for both
    assert large_peak < 8 << 20


@pytest.fixture
def local_storage(settings, tmp_path):
    """Artifacts on local disk, as in the embedded default (``make run``)."""
    settings.STORAGES = {**django_settings.STORAGES, "artifacts": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "artifacts")},
    }}
    settings.MEDIA_ROOT = str(tmp_path)


def test_local_file_storage_serves_ranges(local_storage, device_api, product, verified_release):
    release = verified_release(b"0123456789" * 10, product=product)

    response = device_api.get(download_url(release), HTTP_RANGE="bytes=95-")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"56789"


def test_the_redirect_setting_is_ignored_without_s3(local_storage, settings, device_api, product,
                                                    verified_release):
    settings.OTA_DOWNLOAD_REDIRECT = True
    release = verified_release(b"local bytes", product=product)

    response = device_api.get(download_url(release))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"local bytes"


def test_an_object_missing_from_storage_answers_503_not_a_cut_body(device_api, product, verified_release, s3):
    release = verified_release(b"soon gone", product=product)
    s3.delete_object(Bucket=django_settings.AWS_STORAGE_BUCKET_NAME, Key=release.artifact.storage_key)

    response = device_api.get(download_url(release))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "detail" in response.json()


def test_a_file_name_outside_ascii_is_sent_in_its_exact_rfc_6266_form():
    headers = representation_headers(Artifact(file_name='naïve "fw".bin'))

    assert headers["Content-Disposition"] == "attachment; filename*=utf-8''na%C3%AFve%20%22fw%22.bin"


def test_a_quote_in_an_ascii_file_name_is_escaped():
    headers = representation_headers(Artifact(file_name='fw "1".bin'))

    assert headers["Content-Disposition"] == 'attachment; filename="fw \\"1\\".bin"'


def test_a_file_uploaded_with_a_path_is_served_under_its_base_name():
    artifact = artifacts.upload(ReleaseFactory(), ContentFile(b"x", name="passwd"), "..\\../etc/passwd")

    assert representation_headers(artifact)["Content-Disposition"] == 'attachment; filename="passwd"'


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-0", ByteRange(0, 0)),
    ("bytes=-1", ByteRange(99, 99)),
    ("bytes=-500", ByteRange(0, 99)),
    ("bytes = 10 - 20", ByteRange(10, 20)),
    ("BYTES=5-", ByteRange(5, 99)),
    ("bytes=0-9,10-19", None),
    ("bytes=-", None),
])
def test_range_headers_are_read_as_rfc_9110_says(header, expected):
    assert parse_range(header, 100) == expected


def test_any_range_of_an_empty_file_but_a_suffix_is_unsatisfiable():
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)
    assert parse_range("bytes=-5", 0) is None  # the whole (empty) file
