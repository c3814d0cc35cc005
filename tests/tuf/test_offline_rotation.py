"""Rotating keys while the root key is kept offline: the portal drafts the new root, the operator signs
it where the root key lives (old and new root keys, for a root rotation), tuf_sign_root imports it."""

import pytest
from django.core.management.base import CommandError
from tuf.api.metadata import Metadata

from catalog.models import TufRole
from catalog.services import tuf
from tests.catalog.commands import run
from tests.tuf.offline import make_offline_key, sign_file


@pytest.fixture
def new_root_key(tmp_path):
    return make_offline_key(tmp_path, "new-root")


@pytest.fixture
def draft(tmp_path):
    return tmp_path / "next.root.json"


def current_key(repository, role):
    return repository.keys.current().get(role=role)


def latest(repository, role) -> Metadata:
    return Metadata.from_bytes(bytes(repository.metadata.latest_of(role).content))


def test_rotating_an_online_key_drafts_a_root_and_the_old_key_signs_until_it_is_imported(
        product, offline_repository, draft):
    # given a repository whose root key is offline
    old_key = current_key(offline_repository, TufRole.TARGETS)

    # when the targets key is rotated
    output = run("tuf_rotate_key", product.key, "targets", "--output", str(draft))

    # then root version 2 naming a new targets key is written, unsigned, and nothing changes on the portal yet
    written = Metadata.from_bytes(draft.read_bytes())
    new_key = offline_repository.keys.pending().get(role=TufRole.TARGETS)
    assert f"Wrote root version 2 of {product.key}, naming the new targets key {new_key.keyid}" in output
    assert written.signed.roles["targets"].keyids == [new_key.keyid] and written.signatures == {}
    assert current_key(offline_repository, TufRole.TARGETS) == old_key
    assert tuf.metadata_file(product.pk, TufRole.ROOT, 2) is None


def test_importing_the_signed_root_hands_the_role_to_its_new_key(product, offline_repository,
                                                                 offline_root_key, draft):
    # given a targets key rotation drafted while the root key is offline
    old_key = current_key(offline_repository, TufRole.TARGETS)
    run("tuf_rotate_key", product.key, "targets", "--output", str(draft))

    # when the root key signs the draft where it lives and the operator imports it
    sign_file(draft, offline_root_key)
    run("tuf_sign_root", str(draft))

    # then the new key is current, the old one retired without its private half, and new targets are signed
    new_key = current_key(offline_repository, TufRole.TARGETS)
    old_key.refresh_from_db()
    assert new_key != old_key and old_key.retired_at is not None
    assert bytes(old_key.encrypted_private_key) == b""
    root = latest(offline_repository, TufRole.ROOT)
    assert root.signed.version == 2
    root.verify_delegate(TufRole.TARGETS, latest(offline_repository, TufRole.TARGETS))


def test_rotating_an_offline_root_key_needs_the_new_keys_public_half(product, offline_repository, draft):
    with pytest.raises(CommandError, match="offline_root: The root key is offline: give the new root key's"):
        run("tuf_rotate_key", product.key, "root", "--output", str(draft))


def test_only_the_root_key_can_be_kept_offline(product, offline_repository, new_root_key, draft):
    with pytest.raises(CommandError, match="offline_root: Only the root key can be kept offline"):
        run("tuf_rotate_key", product.key, "targets", "--offline-root", str(new_root_key.pem),
            "--output", str(draft))


def test_the_current_root_key_is_no_new_one(product, offline_repository, offline_root_key, draft):
    with pytest.raises(CommandError, match="offline_root: This is the current root key"):
        run("tuf_rotate_key", product.key, "root", "--offline-root", str(offline_root_key.pem),
            "--output", str(draft))


@pytest.mark.parametrize(("signer", "lacking"),
                         [("old", "its own keys"), ("new", "the previous root's keys")])
def test_a_rotated_root_signed_by_one_of_the_two_root_keys_is_refused(
        product, offline_repository, offline_root_key, new_root_key, draft, signer, lacking):
    # given a root key rotation drafted with a new offline key
    run("tuf_rotate_key", product.key, "root", "--offline-root", str(new_root_key.pem),
        "--output", str(draft))

    # when the draft carries the signature of only one of the two keys
    sign_file(draft, offline_root_key if signer == "old" else new_root_key)

    # then the spec's rule (a threshold of the previous root's keys and of its own) refuses it
    with pytest.raises(CommandError, match=rf"file: The root is not signed by enough of its keys: "
                                           rf"needs 1 more signature\(s\) by {lacking} \("):
        run("tuf_sign_root", str(draft))
    assert offline_repository.metadata.latest_of(TufRole.ROOT).version == 1


def test_a_rotated_root_signed_by_the_old_and_the_new_root_keys_is_imported(
        product, offline_repository, offline_root_key, new_root_key, draft):
    # given a root key rotation drafted with a new offline key
    output = run("tuf_rotate_key", product.key, "root", "--offline-root", str(new_root_key.pem),
                 "--output", str(draft))

    # when both root keys sign it and it is imported
    sign_file(draft, offline_root_key, new_root_key)
    run("tuf_sign_root", str(draft))

    # then root version 2 trusts the new key only, which is the current, offline root key
    assert "sign it with the old and the new root key" in output
    root = latest(offline_repository, TufRole.ROOT)
    assert root.signed.version == 2 and root.signed.roles["root"].keyids == [new_root_key.keyid]
    key = current_key(offline_repository, TufRole.ROOT)
    assert key.keyid == new_root_key.keyid and not key.is_online


def test_an_online_root_key_moves_offline(product, repository, new_root_key, draft):
    # given a repository whose root key is online
    old_key = current_key(repository, TufRole.ROOT)

    # when the root key is rotated to one kept offline, which signs the draft where it lives
    output = run("tuf_rotate_key", product.key, "root", "--offline-root", str(new_root_key.pem),
                 "--output", str(draft))
    sign_file(draft, new_root_key)
    run("tuf_sign_root", str(draft))

    # then the portal had signed the draft with the old key, and now holds no private root key
    assert "sign it with the new root key (the old one has signed)" in output
    assert set(latest(repository, TufRole.ROOT).signatures) == {old_key.keyid, new_root_key.keyid}
    assert not current_key(repository, TufRole.ROOT).is_online
    old_key.refresh_from_db()
    assert old_key.retired_at is not None and bytes(old_key.encrypted_private_key) == b""


def test_a_draft_overtaken_by_a_newer_root_is_refused(product, repository, new_root_key, draft, settings):
    # given a root key move drafted as version 2
    run("tuf_rotate_key", product.key, "root", "--offline-root", str(new_root_key.pem),
        "--output", str(draft))

    # when the online root key signs version 2 first (beat, with the root about to expire)
    tuf.publish(product.pk, now=repository.created_at + settings.OTA_TUF_ROOT_EXPIRY * 0.9)
    sign_file(draft, new_root_key)

    # then the draft is refused: devices would see two different roots of version 2
    with pytest.raises(CommandError, match="file: This is root version 2, but version 2 was signed since"):
        run("tuf_sign_root", str(draft))


def test_a_new_draft_replaces_a_rotation_waiting_for_its_signature(product, offline_repository,
                                                                   offline_root_key, draft, tmp_path):
    # given a timestamp key rotation waiting for the offline root's signature
    run("tuf_rotate_key", product.key, "timestamp", "--output", str(draft))

    # when the operator drafts a plain renewal of the root instead
    run("tuf_draft_root", product.key, "--output", str(tmp_path / "renewal.json"))

    # then the rotation's key is dropped and its draft is no longer accepted
    assert not offline_repository.keys.pending().exists()
    sign_file(draft, offline_root_key)
    with pytest.raises(CommandError, match="No repository waits for this root"):
        run("tuf_sign_root", str(draft))


def test_an_online_rotation_drops_a_draft_waiting_for_offline_signatures(product, repository, new_root_key,
                                                                         draft):
    # given a root key move offline, drafted as version 2 and waiting for the new key's signature
    run("tuf_rotate_key", product.key, "root", "--offline-root", str(new_root_key.pem),
        "--output", str(draft))

    # when the timestamp key is rotated online in the meantime (root version 2, signed at once)
    run("tuf_rotate_key", product.key, "timestamp")

    # then the draft and its pending key are gone, and the root key stays online
    repository.refresh_from_db()
    assert repository.pending_root is None and not repository.keys.pending().exists()
    assert current_key(repository, TufRole.ROOT).is_online
