"""What python-tuf's client refuses when the portal, its database or a mirror serves stale metadata:
rollback (an older version served again, or named again by a newer file) and expired files."""

import time
from datetime import timedelta

import pytest
from tuf.api import exceptions
from tuf.api.metadata import MetaFile, Snapshot, Timestamp

from catalog.models import TufRole
from catalog.services import tuf, tuf_keys
from tests.tuf.client import root_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_twice(product, verified_release):
    """A repository published twice (a release, then its deprecation): version 2 of every online role."""
    release = verified_release(product=product, version="1.1.0")
    tuf_keys.init_repository(product.key)
    release.deprecate("recalled")
    tuf.publish(product.pk)
    return product.tuf_repository


def current_key(repository, role):
    return repository.keys.current().get(role=role)


def test_an_old_timestamp_served_again_is_rejected(published_twice, product, device, updater_for):
    # given a device that trusted timestamp version 2
    updater_for(device, root=root_of(product)).refresh()

    # when the repository serves the first timestamp again (a rollback: the newer one is gone)
    published_twice.metadata.filter(role=TufRole.TIMESTAMP, version=2).delete()

    # then the device refuses it
    with pytest.raises(exceptions.BadVersionNumberError):
        updater_for(device).refresh()


def test_an_old_snapshot_served_again_is_rejected(published_twice, product, device, updater_for):
    # given a repository whose 2.snapshot.json holds version 1's bytes (a mirror serving an old file)
    first = published_twice.metadata.get(role=TufRole.SNAPSHOT, version=1)
    published_twice.metadata.filter(role=TufRole.SNAPSHOT, version=2).update(content=first.content)

    # when a fresh device refreshes, then it refuses the snapshot the timestamp did not name
    with pytest.raises(exceptions.BadVersionNumberError):
        updater_for(device, root=root_of(product)).refresh()


def test_a_timestamp_naming_an_old_snapshot_is_rejected(published_twice, product, device, updater_for):
    # given a device that trusted snapshot version 2
    updater_for(device, root=root_of(product)).refresh()

    # when a newer timestamp, signed with the real timestamp key, names snapshot version 1 again
    expires = published_twice.metadata.latest_of(TufRole.TIMESTAMP).expires
    tuf.sign_and_store(published_twice,
                       Timestamp(version=3, expires=expires, snapshot_meta=MetaFile(version=1)),
                       [current_key(published_twice, TufRole.TIMESTAMP)])

    # then the device refuses the rollback of the snapshot
    with pytest.raises(exceptions.BadVersionNumberError):
        updater_for(device).refresh()


def test_a_snapshot_naming_old_targets_is_rejected(published_twice, product, device, updater_for):
    # given a device that trusted targets version 2 (without the deprecated release)
    updater_for(device, root=root_of(product)).refresh()

    # when a newer snapshot and timestamp, signed with the real keys, name targets version 1 again
    expires = published_twice.metadata.latest_of(TufRole.TIMESTAMP).expires
    tuf.sign_and_store(published_twice, Snapshot(version=3, expires=expires,
                                                  meta={"targets.json": MetaFile(version=1)}),
                       [current_key(published_twice, TufRole.SNAPSHOT)])
    tuf.sign_and_store(published_twice,
                       Timestamp(version=3, expires=expires, snapshot_meta=MetaFile(version=3)),
                       [current_key(published_twice, TufRole.TIMESTAMP)])

    # then the device refuses the rollback of the targets (the deprecated release would be back)
    with pytest.raises(exceptions.BadVersionNumberError):
        updater_for(device).refresh()


@pytest.mark.parametrize("role", TufRole.values)
def test_expired_metadata_is_rejected(product, device, updater_for, settings, role):
    # given a repository whose metadata of ``role`` expires a second after signing
    setattr(settings, f"OTA_TUF_{role.upper()}_EXPIRY", timedelta(seconds=1))
    tuf_keys.init_repository(product.key)

    # when a device refreshes after that second
    time.sleep(1.1)

    # then it refuses the expired file
    with pytest.raises(exceptions.ExpiredMetadataError, match=role):
        updater_for(device, root=root_of(product)).refresh()
