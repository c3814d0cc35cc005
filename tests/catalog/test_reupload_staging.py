"""A file uploaded over a verified one is a candidate: served only once a real worker has verified it."""

import hashlib

import pytest
from django.conf import settings

from catalog.choices import ArtifactState, ChecksumSource
from catalog.models import Artifact, Release
from catalog.services import artifacts
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = b"good image\n" * 100
OTHER = b"other image\n" * 100


def sha256_of(content):
    return hashlib.sha256(content).hexdigest()


def put_file(api, release, content):
    response = api.put(f"/api/v1/ota/versions/{release.public_id}/file", data=content,
                       content_type="application/octet-stream")
    assert response.status_code == 200, response.json()
    return response.json()


def version(api, release):
    return api.get(f"/api/v1/ota/versions/{release.public_id}").json()


def bucket_keys(s3, release):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=f"{release.product.key}/")
    return {item["Key"] for item in listing.get("Contents", [])}


def served_and_verified(api, release):
    put_file(api, release, GOOD)
    return wait_for(lambda: Artifact.objects.filter(release=release, state=ArtifactState.VERIFIED).first(),
                    message="the first file's verification")


def test_a_failed_reupload_leaves_the_verified_artifact_served(api, s3, celery_worker):
    release = ReleaseFactory(declared_sha256=sha256_of(GOOD), declared_size=len(GOOD))
    served = served_and_verified(api, release)

    put_file(api, release, OTHER)

    wait_for(lambda: Artifact.objects.filter(candidate_for=release, state=ArtifactState.FAILED).exists(),
             message="the replacement's verification")
    assert Artifact.objects.get(release=release) == served
    assert Artifact.objects.get(release=release).state == ArtifactState.VERIFIED
    assert served.storage_key in bucket_keys(s3, release)
    body = version(api, release)
    assert (body["artifactState"], body["replacementState"]) == ("verified", "failed")
    assert body["replacementError"].startswith("checksum mismatch")


def test_the_verified_artifact_is_served_while_its_replacement_waits(api, verified_release):
    release = verified_release(GOOD)
    served = Artifact.objects.get(release=release)

    body = put_file(api, release, OTHER)

    assert (body["artifactState"], body["replacementState"]) == ("verified", "pending")
    assert Artifact.objects.get(release=release) == served
    assert Release.objects.with_verified_artifact().filter(pk=release.pk).exists()


def test_a_verified_replacement_is_served_and_the_old_object_deleted(api, s3, celery_worker):
    release = ReleaseFactory()
    served = served_and_verified(api, release)

    put_file(api, release, OTHER)

    artifact = wait_for(lambda: Artifact.objects.filter(release=release).exclude(pk=served.pk).first(),
                        message="the replacement's promotion")
    assert (artifact.state, artifact.sha256) == (ArtifactState.VERIFIED, sha256_of(OTHER))
    assert not Artifact.objects.filter(candidate_for=release).exists()
    wait_for(lambda: served.storage_key not in bucket_keys(s3, release), message="the old object's deletion")
    assert bucket_keys(s3, release) == {artifact.storage_key}
    release = Release.objects.get(pk=release.pk)
    assert (release.declared_sha256, release.declared_size) == (sha256_of(OTHER), len(OTHER))
    assert release.checksum_source == ChecksumSource.COMPUTED
    body = version(api, release)
    assert (body["sha256Checksum"], body["checksumSource"], body["replacementState"]) == (
        sha256_of(OTHER), "computed", None,
    )


def test_removing_the_served_artifact_removes_its_replacement_and_both_objects(api, s3, verified_release):
    release = verified_release(GOOD)
    put_file(api, release, OTHER)
    served, candidate = Artifact.objects.get(release=release), Artifact.objects.get(candidate_for=release)

    artifacts.remove(served)

    assert not Artifact.objects.filter(pk__in=[served.pk, candidate.pk]).exists()
    assert bucket_keys(s3, release) == set()
