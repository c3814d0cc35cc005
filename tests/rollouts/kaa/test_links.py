"""Download links the portal signs: valid ones serve the file, altered or expired ones are refused.

moto does not check presigned signatures, so these tests are about the portal's
own signature and expiry check, which runs before any byte is read or redirected.
"""

import hashlib
import time
from urllib.parse import urlsplit

import pytest
import requests

from catalog.models import Artifact
from rollouts import links
from tests.factories import ReleaseFactory

from .conftest import software_url

pytestmark = pytest.mark.django_db

CONTENT = b"kettle firmware 1.0.2 " * 1000


@pytest.fixture
def sketch(kettle, verified_release):
    return verified_release(CONTENT, product=kettle, version="1.0.2", file_name="sketch.bin").artifact


def link_path(api):
    response = api.get(software_url("smart-kettle", "1.0.2", "files", "sketch.bin", "links"))
    assert response.status_code == 200, response.content
    link = response.json()["link"]
    assert link.startswith("http://testserver/otao/files/")
    return urlsplit(link).path


def body_of(response):
    return b"".join(response.streaming_content)


def test_a_valid_link_serves_the_bytes_with_the_right_sha256(api, anonymous_api, sketch):
    response = anonymous_api.get(link_path(api))

    assert response.status_code == 200
    assert hashlib.sha256(body_of(response)).hexdigest() == hashlib.sha256(CONTENT).hexdigest()
    assert response["Content-Disposition"].startswith('attachment; filename="sketch.bin"')


def test_a_valid_link_serves_a_range_for_resumed_downloads(api, anonymous_api, sketch):
    response = anonymous_api.get(link_path(api), HTTP_RANGE="bytes=100-199")

    assert response.status_code == 206
    assert body_of(response) == CONTENT[100:200]
    assert response["Content-Range"] == f"bytes 100-199/{len(CONTENT)}"


def test_a_link_with_an_altered_character_is_refused(api, anonymous_api, sketch):
    path = link_path(api)
    position = path.rindex(":") - 3  # inside the signed part
    altered = path[:position] + ("A" if path[position] != "A" else "B") + path[position + 1:]

    response = anonymous_api.get(altered)

    assert response.status_code == 403
    assert response.json() == {"message": "The link is invalid."}


def test_a_link_whose_payload_names_another_artifact_is_refused(api, anonymous_api, sketch, verified_release):
    other = verified_release(b"other", version="3.0.0").artifact
    genuine = links.sign(sketch)
    forged_payload = links.sign(other).split(":")[0]

    response = anonymous_api.get(f"/otao/files/{forged_payload}:{genuine.split(':', 1)[1]}")

    assert response.status_code == 403
    assert response.json() == {"message": "The link is invalid."}


def test_a_link_signed_with_another_key_is_refused(anonymous_api, sketch, settings):
    settings.SECRET_KEY = "someone-elses-key"
    forged = links.sign(sketch)
    settings.SECRET_KEY = "test-secret-key-not-for-production"

    response = anonymous_api.get(f"/otao/files/{forged}")

    assert response.status_code == 403


def test_an_expired_link_is_refused(anonymous_api, sketch, settings):
    settings.OTA_KAA_LINK_TTL = 60
    token = links.sign(sketch, now=time.time() - 61)

    response = anonymous_api.get(f"/otao/files/{token}")

    assert response.status_code == 403
    assert response.json() == {"message": "The link has expired."}


def test_a_link_lives_as_long_as_the_setting_says(sketch, settings):
    settings.OTA_KAA_LINK_TTL = 60
    token = links.sign(sketch, now=1_000_000)

    assert links.resolve(token, now=1_000_059) == sketch
    with pytest.raises(links.LinkRefused, match="expired"):
        links.resolve(token, now=1_000_060)


def test_a_link_to_a_replaced_file_is_refused(api, anonymous_api, sketch):
    path = link_path(api)
    Artifact.objects.filter(pk=sketch.pk).update(storage_key="smart-kettle/default/1.0.2/new/sketch.bin")

    response = anonymous_api.get(path)

    assert response.status_code == 403
    assert "replaced or deleted" in response.json()["message"]


def test_no_link_is_given_for_a_file_not_verified_yet(api, kettle, file_of):
    ReleaseFactory(product=kettle, version="1.0.2")
    api.put(software_url("smart-kettle", "1.0.2", "files"), {"file": file_of(b"x", "sketch.bin")},
            format="multipart")

    response = api.get(software_url("smart-kettle", "1.0.2", "files", "sketch.bin", "links"))

    assert response.status_code == 400
    assert "not verified" in response.json()["message"]


def test_no_link_is_given_for_another_file_name(api, sketch):
    response = api.get(software_url("smart-kettle", "1.0.2", "files", "other.bin", "links"))

    assert response.status_code == 404


def test_with_redirects_on_a_valid_link_redirects_to_a_presigned_url_that_serves_the_file(
        api, anonymous_api, sketch, settings):
    settings.OTA_DOWNLOAD_REDIRECT = True

    response = anonymous_api.get(link_path(api))

    assert response.status_code == 302
    assert response["Location"].startswith(settings.AWS_S3_ENDPOINT_URL)
    fetched = requests.get(response["Location"], timeout=10)
    assert hashlib.sha256(fetched.content).hexdigest() == hashlib.sha256(CONTENT).hexdigest()


def test_with_redirects_on_an_expired_link_is_refused_before_any_redirect(anonymous_api, sketch, settings):
    settings.OTA_DOWNLOAD_REDIRECT = True
    token = links.sign(sketch, now=time.time() - settings.OTA_KAA_LINK_TTL - 1)

    response = anonymous_api.get(f"/otao/files/{token}")

    assert response.status_code == 403
    assert "Location" not in response
