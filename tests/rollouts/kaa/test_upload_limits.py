"""Kaa file uploads over a raw socket: refused as soon as they pass the size limit, or when cut off."""

import json

import pytest
from django.conf import settings

from catalog.models import Artifact
from tests.catalog.raw_http import multipart_body, send_cut_off
from tests.factories import ReleaseFactory

from .conftest import software_url

pytestmark = pytest.mark.django_db(transaction=True)


def objects_of(s3, product_key):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=f"{product_key}/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_a_file_over_the_limit_is_refused_before_the_rest_of_the_body_is_read(live_server, api_token, kettle,
                                                                              settings):
    settings.OTA_MAX_ARTIFACT_SIZE = 100_000
    ReleaseFactory(product=kettle, version="1.0.2")
    content_type, body = multipart_body([("file", b"x" * 20_000_000, "app.bin")])

    # A tenth of the body is sent and the connection kept open: the answer must come without the rest.
    response = send_cut_off(live_server.url, "PUT", software_url("smart-kettle", "1.0.2", "files"), body,
                            sent=2_000_000, hold_open=True, headers={"Authorization": f"Bearer {api_token}",
                                                                     "Content-Type": content_type})

    assert response.status == 413
    assert json.loads(response.body) == {
        "message": "file: The file is larger than the 100000 bytes accepted (OTA_MAX_ARTIFACT_SIZE).",
    }
    assert not Artifact.objects.exists()


def test_an_upload_cut_off_after_its_file_part_stores_nothing(live_server, api_token, kettle, s3):
    ReleaseFactory(product=kettle, version="1.0.2")
    objects_before = objects_of(s3, "smart-kettle")
    content_type, body = multipart_body([("file", b"kettle firmware" * 10_000, "app.bin"), ("note", b"n", None)])

    response = send_cut_off(live_server.url, "PUT", software_url("smart-kettle", "1.0.2", "files"), body,
                            sent=len(body) - 20, headers={"Authorization": f"Bearer {api_token}",
                                                          "Content-Type": content_type})

    assert response.status == 400
    assert json.loads(response.body)["message"].startswith("The body ended after")
    assert objects_of(s3, "smart-kettle") == objects_before
    assert not Artifact.objects.exists()
