"""The device file endpoints cost the same few queries with 10 and with 10,000 devices and releases."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.choices import ArtifactState
from catalog.models import Artifact, Release
from catalog.versioning import version_key
from devices.models import Device

pytestmark = pytest.mark.django_db

MAX_QUERIES = 2  # the device with its product, then the files (or the one file)


def grow_fleet(product, devices: int, releases: int, start: int = 0):
    """Bulk-insert devices and verified releases of ``product`` (fake artifacts, never downloaded)."""
    Device.objects.bulk_create(
        [Device(uid=f"fleet-{start + n:06d}", product=product, installed_versions={"default": "0.0.1"})
         for n in range(devices)], batch_size=2000,
    )
    module = product.modules.get(name="default")
    created = Release.objects.bulk_create(
        [Release(product=product, module=module, version=version, version_key=version_key(version))
         for version in (f"0.{start + n}.0" for n in range(releases))], batch_size=2000,
    )
    Artifact.objects.bulk_create(
        [Artifact(release=release, storage_key=f"fleet/{release.pk}", file_name="fleet.bin", sha256="0" * 64,
                  size=1, state=ArtifactState.VERIFIED) for release in created], batch_size=2000,
    )


def queries_of(client, path) -> int:
    client.get(path)  # the first request may write last-seen
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_and_download_cost_the_same_queries_at_10_and_10000(device_api, product, verified_release):
    release = verified_release(b"real bytes", product=product, version="9.0.0")
    download = reverse("ota-file-download", kwargs={"pk": release.artifact.pk})
    grow_fleet(product, devices=9, releases=9)
    small = (queries_of(device_api, "/api/v2/ota-files"), queries_of(device_api, download))

    grow_fleet(product, devices=9_990, releases=9_990, start=9)
    listed = device_api.get("/api/v2/ota-files").json()
    large = (queries_of(device_api, "/api/v2/ota-files"), queries_of(device_api, download))

    assert len(listed) == 10_000
    assert Device.objects.count() == 10_000
    assert small == large
    assert max(large) <= MAX_QUERIES
