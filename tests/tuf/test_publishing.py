"""Publishing a product's TUF repository: what is signed, when, and with which keys."""

from datetime import timedelta

import pytest
from django.utils import timezone
from tuf.api.metadata import Metadata

from catalog.models import TufRole
from catalog.services import tuf, tuf_keys
from tests.factories import ReleaseFactory


def latest(repository, role):
    return Metadata.from_bytes(bytes(repository.metadata.latest_of(role).content))


def versions(repository):
    return {role: repository.metadata.latest_of(role).version for role in TufRole.values}


def test_init_signs_root_and_publishes_the_offerable_releases(product, verified_release):
    # given a verified, active release of the product
    release = verified_release(b"image 1", product=product, version="1.2.0", min_agent_version="1.1.0",
                               allowed_source_versions=["1.0.0", "1.1.0"])

    # when the product's repository is created
    tuf_keys.init_repository(product.key)

    # then its targets list the release with its length, SHA-256 and custom fields, signed by the targets key
    repository = product.tuf_repository
    targets = latest(repository, TufRole.TARGETS)
    target = targets.signed.targets["default/1.2.0/firmware.bin"]
    assert (target.length, target.hashes) == (7, {"sha256": release.artifact.sha256})
    assert target.custom == {"version": "1.2.0", "module": "default", "packageType": "firmwarePackage",
                             "minAgentVersion": "1.1.0", "allowedSourceVersions": ["1.0.0", "1.1.0"]}
    root = latest(repository, TufRole.ROOT)
    root.verify_delegate(TufRole.ROOT, root)
    root.verify_delegate(TufRole.TARGETS, targets)
    assert root.signed.consistent_snapshot


def test_a_release_without_a_verified_artifact_is_no_target(repository, product):
    # given a release whose artifact was never uploaded
    ReleaseFactory(product=product, version="2.0.0")

    # when the repository is published
    tuf.publish(product.pk)

    # then its targets are still empty
    assert latest(repository, TufRole.TARGETS).signed.targets == {}


def test_publishing_without_a_change_signs_nothing(repository, product):
    # given a freshly published repository
    before = versions(repository)

    # when it is published again at once
    written = tuf.publish(product.pk)

    # then nothing new is signed
    assert written == [] and versions(repository) == before


def test_a_deprecated_release_leaves_new_targets_with_a_new_snapshot_and_timestamp(
        product, verified_release):
    # given a published repository listing a release
    release = verified_release(product=product, version="1.0.0")
    tuf_keys.init_repository(product.key)
    repository = product.tuf_repository
    before = versions(repository)

    # when the release is deprecated and the repository published
    release.deprecate("recalled")
    tuf.publish(product.pk)

    # then targets, snapshot and timestamp each have one version more, and the target is gone
    assert versions(repository) == {**before, "targets": before["targets"] + 1,
                                     "snapshot": before["snapshot"] + 1, "timestamp": before["timestamp"] + 1}
    assert latest(repository, TufRole.TARGETS).signed.targets == {}
    assert latest(repository, TufRole.SNAPSHOT).signed.meta["targets.json"].version == before["targets"] + 1


def test_a_role_near_expiry_is_signed_again_with_the_roles_above_it(repository, product, settings):
    # given a snapshot with less than half of its period left
    later = timezone.now() + settings.OTA_TUF_SNAPSHOT_EXPIRY * 0.6
    before = versions(repository)

    # when the repository is published then
    tuf.publish(product.pk, now=later)

    # then snapshot and timestamp are signed again (both expire by then), targets and root are not
    assert versions(repository) == {**before, "snapshot": before["snapshot"] + 1,
                                    "timestamp": before["timestamp"] + 1}
    assert repository.metadata.latest_of(TufRole.SNAPSHOT).expires > later + timedelta(days=6)


def test_rotating_the_root_key_signs_the_new_root_with_the_old_and_the_new_key(repository, product):
    # given the first root
    first = latest(repository, TufRole.ROOT).signed

    # when the root key is rotated
    new_key = tuf_keys.rotate_key(product.key, TufRole.ROOT).key

    # then root version 2 trusts the new key only, and is signed by both, as the spec requires
    second = latest(repository, TufRole.ROOT)
    assert second.signed.version == 2 and second.signed.roles["root"].keyids == [new_key.keyid]
    assert second.signed.get_root_verification_result(first, second.signed_bytes, second.signatures).verified


def test_rotating_the_timestamp_key_signs_a_timestamp_with_the_new_key(repository, product):
    # when the timestamp key is rotated
    new_key = tuf_keys.rotate_key(product.key, TufRole.TIMESTAMP).key

    # then the new root names it and the newest timestamp is signed by it
    root = latest(repository, TufRole.ROOT)
    assert root.signed.roles["timestamp"].keyids == [new_key.keyid]
    root.verify_delegate(TufRole.TIMESTAMP, latest(repository, TufRole.TIMESTAMP))


def test_a_second_init_is_refused(repository, product):
    with pytest.raises(Exception, match="already has a TUF repository"):
        tuf_keys.init_repository(product.key)


def test_online_private_keys_are_stored_encrypted(repository):
    key = repository.keys.get(role=TufRole.TARGETS, retired_at__isnull=True)
    assert b"PRIVATE KEY" not in bytes(key.encrypted_private_key)
    assert key.signer().public_key.keyid == key.keyid
