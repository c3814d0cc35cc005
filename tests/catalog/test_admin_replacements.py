"""The admin tells a declared checksum from a computed one, and shows a failed replacement with its reason."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from catalog.models import Artifact
from catalog.services import artifacts, verification
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def verified(release, content=b"good image"):
    verification.verify(artifacts.upload(release, ContentFile(content), "app.bin").pk)
    release.refresh_from_db()
    return release


def test_the_release_page_says_the_checksum_was_computed(admin_client):
    release = verified(ReleaseFactory())  # created without a checksum, as Kaa creates them

    page = admin_client.get(reverse("admin:catalog_release_change", args=[release.pk]))

    assert "Computed by the portal" in page.content.decode()


def test_the_release_page_shows_a_failed_replacement_with_its_reason(admin_client):
    release = verified(ReleaseFactory(declared_sha256=hashlib.sha256(b"good image").hexdigest()))
    candidate = artifacts.upload(release, ContentFile(b"a different image"), "other.bin")
    verification.verify(candidate.pk)

    page = admin_client.get(reverse("admin:catalog_release_change", args=[release.pk])).content.decode()

    assert 'data-state="failed"' in page
    assert "checksum mismatch: declared" in page
    assert Artifact.objects.get(release=release).state == "verified"


def test_the_artifact_list_shows_a_replacement_with_its_release(admin_client):
    release = verified(ReleaseFactory())
    artifacts.upload(release, ContentFile(b"good image"), "again.bin")

    page = admin_client.get(reverse("admin:catalog_artifact_changelist") + "?candidate_for__isempty=0")

    assert page.status_code == 200
    assert list(page.context["cl"].result_list.values_list("file_name", flat=True)) == ["again.bin"]
    assert "replacement (served once verified)" in page.content.decode()
    assert str(release) in page.content.decode()
