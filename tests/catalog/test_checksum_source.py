"""``checksumSource``: whether a version's SHA-256 was declared, or computed by the portal from its file."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from catalog.services import artifacts, verification
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db

CONTENT = b"firmware image\n"


def checksum_of(api, release):
    body = api.get(f"/api/v1/ota/versions/{release.public_id}").json()
    return body["sha256Checksum"], body["checksumSource"]


def verify_upload(release):
    verification.verify(artifacts.upload(release, ContentFile(CONTENT), "image.bin").pk)


def test_a_registered_checksum_is_declared(api):
    release = ReleaseFactory(declared_sha256=hashlib.sha256(CONTENT).hexdigest(), declared_size=len(CONTENT))
    verify_upload(release)

    assert checksum_of(api, release) == (hashlib.sha256(CONTENT).hexdigest(), "declared")


def test_a_checksum_taken_from_the_verified_file_is_computed(api):
    release = ReleaseFactory()
    verify_upload(release)

    assert checksum_of(api, release) == (hashlib.sha256(CONTENT).hexdigest(), "computed")


def test_a_version_without_checksum_or_file_has_no_source(api):
    release = ReleaseFactory()

    assert checksum_of(api, release) == ("", None)
