"""The repository's files over HTTP: device token required, own product only, targets resumable."""

import hashlib

import pytest

from catalog.models import TufRole
from catalog.services import tuf, tuf_keys
from tests.factories import DeviceFactory

FIRMWARE = b"0123456789abcdef"


@pytest.fixture
def published(product, verified_release):
    release = verified_release(FIRMWARE, product=product, version="2.0.0")
    tuf_keys.init_repository(product.key)
    return release


def target_url(product, release):
    return f"/tuf/{product.key}/targets/{tuf.target_url_path(release)}"


def test_versioned_metadata_is_served_as_stored_and_cached_for_good(published, product, device_api):
    response = device_api.get(f"/tuf/{product.key}/metadata/1.root.json")

    assert response.status_code == 200
    assert response.content == tuf.metadata_file(product.pk, TufRole.ROOT, 1)
    assert "immutable" in response["Cache-Control"]


def test_the_timestamp_is_revalidated_on_each_use(published, product, device_api):
    response = device_api.get(f"/tuf/{product.key}/metadata/timestamp.json")

    assert response.status_code == 200 and response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("path", ["9.root.json", "2.targets.json", "1.timestamp.json", "0.root.json"])
def test_a_version_that_does_not_exist_answers_404(published, product, device_api, path):
    assert device_api.get(f"/tuf/{product.key}/metadata/{path}").status_code == 404


def test_a_product_without_a_repository_answers_404(product, device_api):
    assert device_api.get(f"/tuf/{product.key}/metadata/timestamp.json").status_code == 404


def test_a_request_without_a_device_token_is_refused(published, product, anonymous_api):
    assert anonymous_api.get(f"/tuf/{product.key}/metadata/1.root.json").status_code == 401


def test_a_target_is_served_by_its_consistent_snapshot_path(published, product, device_api):
    response = device_api.get(target_url(product, published))

    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == published.artifact.sha256


def test_a_target_download_resumes_with_a_range(published, product, device_api):
    response = device_api.get(target_url(product, published), HTTP_RANGE="bytes=10-")

    assert response.status_code == 206
    assert b"".join(response.streaming_content) == FIRMWARE[10:]
    assert response["Content-Range"] == f"bytes 10-15/{len(FIRMWARE)}"


def test_a_target_under_another_hash_answers_404(published, product, device_api):
    url = target_url(product, published).replace(published.artifact.sha256, "0" * 64)

    assert device_api.get(url).status_code == 404


def test_a_deprecated_release_is_no_longer_served(published, product, device_api):
    published.deprecate("recalled")

    assert device_api.get(target_url(product, published)).status_code == 404


@pytest.mark.parametrize("hashed_name", ["firmware.bin", "ABC.firmware.bin", ".firmware.bin"])
def test_a_target_name_without_a_sha256_answers_404(published, product, device_api, hashed_name):
    assert device_api.get(f"/tuf/{product.key}/targets/default/2.0.0/{hashed_name}").status_code == 404


def test_a_device_of_another_product_reads_none_of_the_repository(published, product, other_product,
                                                                  device_client):
    # given a device of another product, which has a repository of its own
    tuf_keys.init_repository(other_product.key)
    stranger = device_client(DeviceFactory(product=other_product, uid="doorbell-1"))

    # when it asks for this product's metadata and target, then each answers 404
    for path in ("metadata/1.root.json", "metadata/timestamp.json", "metadata/1.targets.json",
                 f"targets/{tuf.target_url_path(published)}"):
        assert stranger.get(f"/tuf/{product.key}/{path}").status_code == 404, path
    assert stranger.get(f"/tuf/{other_product.key}/metadata/1.root.json").status_code == 200
