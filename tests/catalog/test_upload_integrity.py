"""A body cut off before its Content-Length stores nothing and changes nothing, on every upload path.

The client declares a Content-Length, sends half of the body and ends the stream,
over a raw socket to a live server (a test client cannot send a short body).
"""

import pytest
from django.conf import settings
from django.urls import reverse

from catalog.models import Artifact
from tests.factories import ReleaseFactory

from .raw_http import multipart_body, send_cut_off

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE = bytes(range(256)) * 4096  # 1 MiB


def objects_of(s3, release):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=f"{release.product.key}/")
    return [item["Key"] for item in listing.get("Contents", [])]


def file_url(release):
    return f"/api/v1/ota/versions/{release.public_id}/file"


def test_raw_upload_cut_off_mid_body_is_refused_and_stores_nothing(live_server, api_token, s3):
    release = ReleaseFactory()

    response = send_cut_off(live_server.url, "PUT", file_url(release), IMAGE, sent=len(IMAGE) // 2, headers={
        "Authorization": f"Bearer {api_token}", "Content-Type": "application/octet-stream",
    })

    assert (response.status, response.body) == (400, b'{"detail":"The body ended after 524288 of its 1048576 '
                                                     b'bytes (Content-Length); nothing was stored."}')
    assert objects_of(s3, release) == []
    assert not Artifact.objects.exists()


def test_multipart_upload_cut_off_after_its_file_part_is_refused(live_server, api_token, s3):
    release = ReleaseFactory()
    content_type, body = multipart_body([("file", IMAGE, "image.bin"), ("comment", b"nightly build", None)])

    response = send_cut_off(live_server.url, "PUT", file_url(release), body, sent=len(body) - 30, headers={
        "Authorization": f"Bearer {api_token}", "Content-Type": content_type,
    })

    assert response.status == 400, response.body
    assert b"The body ended after" in response.body
    assert objects_of(s3, release) == []
    assert not Artifact.objects.exists()


def test_cut_off_reupload_leaves_the_verified_artifact_as_it_was(live_server, api_token, s3, verified_release):
    release = verified_release(b"good image")
    served = Artifact.objects.get(release=release)

    response = send_cut_off(live_server.url, "PUT", file_url(release), IMAGE, sent=len(IMAGE) // 2, headers={
        "Authorization": f"Bearer {api_token}", "Content-Type": "application/octet-stream",
    })

    assert response.status == 400, response.body
    assert objects_of(s3, release) == [served.storage_key]
    assert list(Artifact.objects.values_list("pk", "storage_key", "state")) == [
        (served.pk, served.storage_key, "verified"),
    ]


def test_admin_upload_cut_off_after_its_file_part_stores_nothing(live_server, admin_user, client, s3):
    release = ReleaseFactory(release_notes="as registered")
    client.force_login(admin_user)
    csrf_secret = "a" * 32
    content_type, body = multipart_body([
        ("csrfmiddlewaretoken", csrf_secret.encode(), None),
        ("module", str(release.module_id).encode(), None),
        ("version", release.version.encode(), None),
        ("package_type", b"firmwarePackage", None),
        ("release_notes", b"changed by a cut-off request", None),
        ("allowed_source_versions", b"[]", None),
        ("specification", b"null", None),
        ("metadata", b"null", None),
        ("artifact_file", IMAGE, "image.bin"),
        ("declared_size", str(len(IMAGE)).encode(), None),
        ("_save", b"Save", None),
    ])

    response = send_cut_off(
        live_server.url, "POST", reverse("admin:catalog_release_change", args=[release.pk]), body,
        sent=len(body) - 40, headers={
            "Cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
                      f"{settings.CSRF_COOKIE_NAME}={csrf_secret}",
            "Content-Type": content_type,
        },
    )

    assert response.status == 400, response.body
    release.refresh_from_db()
    assert release.release_notes == "as registered"
    assert objects_of(s3, release) == []
    assert not Artifact.objects.exists()
