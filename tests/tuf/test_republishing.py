"""The repository follows the catalog: each change publishes through Celery on commit; beat re-signs."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from tuf.api.metadata import Metadata

from catalog.models import TufRole
from catalog.services import artifacts, tuf_keys
from catalog.services.releases import delete_release, deprecate_release
from catalog.tasks import refresh_tuf_repositories
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def targets_listed(repository) -> set[str]:
    latest = repository.metadata.latest_of(TufRole.TARGETS)
    return set(Metadata.from_bytes(bytes(latest.content)).signed.targets)


@pytest.fixture
def published(product, verified_release):
    release = verified_release(product=product, version="1.0.0")
    tuf_keys.init_repository(product.key)
    return release


def test_a_deprecation_publishes_targets_without_the_release(published, product, celery_worker):
    # given a repository listing the release
    repository = product.tuf_repository
    assert targets_listed(repository) == {"default/1.0.0/firmware.bin"}

    # when the release is deprecated
    deprecate_release(published, "recalled")

    # then the worker publishes targets without it
    wait_for(lambda: not targets_listed(repository), message="targets without the deprecated release")


def test_a_deleted_release_leaves_the_targets(published, product, celery_worker):
    delete_release(published)

    wait_for(lambda: not targets_listed(product.tuf_repository), message="targets without the deleted one")


def test_a_newly_verified_release_is_published(published, product, celery_worker):
    # given a new release whose artifact is uploaded (verification runs in the worker)
    release = ReleaseFactory(product=product, version="1.1.0")

    # when its artifact is uploaded and the worker verifies it
    artifacts.upload(release, ContentFile(b"new image", name="next.bin"), "next.bin")

    # then the worker publishes targets with it
    wait_for(lambda: "default/1.1.0/next.bin" in targets_listed(product.tuf_repository),
             message="targets with the new release")


def test_beat_signs_a_timestamp_about_to_expire(product, celery_worker, settings):
    # given a timestamp with less than half of its two seconds left
    settings.OTA_TUF_TIMESTAMP_EXPIRY = timedelta(seconds=2)
    tuf_keys.init_repository(product.key)
    repository = product.tuf_repository
    wait_for(lambda: timezone.now() > repository.metadata.latest_of(TufRole.TIMESTAMP).signed_at
             + timedelta(seconds=1.2), message="half the timestamp's period")

    # when beat's task runs
    refresh_tuf_repositories.delay()

    # then a new timestamp version is signed
    wait_for(lambda: repository.metadata.latest_of(TufRole.TIMESTAMP).version == 2, message="timestamp v2")
