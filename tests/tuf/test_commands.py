"""The key ceremonies as an operator runs them: tuf_init (--offline-root), tuf_sign_root, tuf_rotate_key."""

from datetime import timedelta

import pytest
from django.core.management.base import CommandError
from tuf.api.metadata import Metadata

from catalog.models import TufRepository, TufRole
from tests.catalog.commands import run
from tests.tuf.offline import sign_file


def test_tuf_init_publishes_a_repository(product):
    output = run("tuf_init", product.key)

    assert "Published the TUF repository of thermostat" in output
    assert {metadata.role for metadata in product.tuf_repository.metadata.all()} == set(TufRole.values)


def test_tuf_init_names_an_unknown_product(db):
    with pytest.raises(CommandError, match="product: Unknown product 'nothing'"):
        run("tuf_init", "nothing")


def test_an_offline_root_is_published_only_once_signed_and_imported(product, offline_root_key, tmp_path):
    # given a repository created with an offline root key
    unsigned = tmp_path / "root.json"
    run("tuf_init", product.key, "--offline-root", str(offline_root_key.pem), "--output", str(unsigned))
    repository = product.tuf_repository
    assert not repository.metadata.exists()
    assert not repository.keys.get(role=TufRole.ROOT).is_online

    # when the operator signs the root where the key is and imports it
    root = Metadata.from_bytes(unsigned.read_bytes())
    root.sign(offline_root_key.signer)
    signed = tmp_path / "root.signed.json"
    signed.write_bytes(root.to_bytes())
    output = run("tuf_sign_root", str(signed))

    # then root version 1 is the signed one and the online roles are published
    assert "Imported the signed root" in output
    assert bytes(repository.metadata.latest_of(TufRole.ROOT).content) == root.to_bytes()
    assert {metadata.role for metadata in repository.metadata.all()} == set(TufRole.values)


def test_an_unsigned_root_is_refused(product, offline_root_key, tmp_path):
    # given a repository waiting for its offline root
    unsigned = tmp_path / "root.json"
    run("tuf_init", product.key, "--offline-root", str(offline_root_key.pem), "--output", str(unsigned))

    # when the file is imported without its signature, then it is refused
    with pytest.raises(CommandError, match="file: The root is not signed by enough of its keys"):
        run("tuf_sign_root", str(unsigned))


def test_a_root_nobody_waits_for_is_refused(repository, offline_root_key, tmp_path):
    other = Metadata.from_bytes(bytes(repository.metadata.latest_of(TufRole.ROOT).content))
    other.sign(offline_root_key.signer)
    path = tmp_path / "other.json"
    path.write_bytes(other.to_bytes())

    with pytest.raises(CommandError, match="No repository waits for this root"):
        run("tuf_sign_root", str(path))


def test_tuf_rotate_key_names_the_new_key(repository, product):
    output = run("tuf_rotate_key", product.key, "snapshot")

    new_key = repository.keys.get(role=TufRole.SNAPSHOT, retired_at__isnull=True)
    assert f"new key {new_key.keyid}" in output
    assert repository.metadata.latest_of(TufRole.ROOT).version == 2


def test_an_offline_root_is_renewed_by_a_drafted_and_signed_next_version(
        product, offline_repository, offline_root_key, tmp_path, settings):
    # given a repository whose offline root version 1 was signed and imported
    draft = tmp_path / "root.json"

    # when, a day later in the root's period, the next version is drafted, signed offline and imported
    settings.OTA_TUF_ROOT_EXPIRY += timedelta(days=1)
    output = run("tuf_draft_root", product.key, "--output", str(draft))
    sign_file(draft, offline_root_key)
    run("tuf_sign_root", str(draft))

    # then root version 2 is served, expiring a day after version 1
    repository = offline_repository
    assert "Wrote root version 2" in output
    first, second = repository.metadata.filter(role=TufRole.ROOT).order_by("version")
    assert second.version == 2 and second.expires - first.expires >= timedelta(days=1)


def test_a_root_cannot_be_drafted_before_version_1_is_signed(product, offline_root_key, tmp_path):
    run("tuf_init", product.key, "--offline-root", str(offline_root_key.pem),
        "--output", str(tmp_path / "root.json"))

    with pytest.raises(CommandError, match="product: thermostat has no signed root yet"):
        run("tuf_draft_root", product.key, "--output", str(tmp_path / "next.json"))



def test_a_file_that_is_no_public_key_is_refused(product, tmp_path):
    not_a_key = tmp_path / "root.pub.pem"
    not_a_key.write_text("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")

    with pytest.raises(CommandError, match="offline_root: Cannot read a public key from .*root.pub.pem"):
        run("tuf_init", product.key, "--offline-root", str(not_a_key))
    assert not TufRepository.objects.filter(product=product).exists()


def test_a_file_that_is_no_root_metadata_is_refused(tmp_path, db):
    path = tmp_path / "root.json"
    path.write_text('{"signed": {"_type": "root"}}')

    with pytest.raises(CommandError, match="file: Not TUF root metadata"):
        run("tuf_sign_root", str(path))


def test_a_file_larger_than_any_root_is_refused(tmp_path, db):
    path = tmp_path / "root.json"
    path.write_bytes(b" " * (2 * 1024 * 1024))

    with pytest.raises(CommandError, match="file: Larger than a root can be"):
        run("tuf_sign_root", str(path))
