"""The key ceremonies as an operator runs them: tuf_init (--offline-root), tuf_sign_root, tuf_rotate_key."""

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management.base import CommandError
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata

from catalog.models import TufRole
from tests.catalog.commands import run


@pytest.fixture
def offline_root_key(tmp_path):
    """A root key made away from the portal; the portal gets its public half only, as PEM."""
    private_key = Ed25519PrivateKey.generate()
    pem = tmp_path / "root.pub.pem"
    pem.write_bytes(private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return CryptoSigner(private_key), pem


def test_tuf_init_publishes_a_repository(product):
    output = run("tuf_init", product.key)

    assert "Published the TUF repository of thermostat" in output
    assert {metadata.role for metadata in product.tuf_repository.metadata.all()} == set(TufRole.values)


def test_tuf_init_names_an_unknown_product(db):
    with pytest.raises(CommandError, match="product: Unknown product 'nothing'"):
        run("tuf_init", "nothing")


def test_an_offline_root_is_published_only_once_signed_and_imported(product, offline_root_key, tmp_path):
    # given a repository created with an offline root key
    signer, pem = offline_root_key
    unsigned = tmp_path / "root.json"
    run("tuf_init", product.key, "--offline-root", str(pem), "--output", str(unsigned))
    repository = product.tuf_repository
    assert not repository.metadata.exists()
    assert not repository.keys.get(role=TufRole.ROOT).is_online

    # when the operator signs the root where the key is and imports it
    root = Metadata.from_bytes(unsigned.read_bytes())
    root.sign(signer)
    signed = tmp_path / "root.signed.json"
    signed.write_bytes(root.to_bytes())
    output = run("tuf_sign_root", str(signed))

    # then root version 1 is the signed one and the online roles are published
    assert "Imported the signed root" in output
    assert bytes(repository.metadata.latest_of(TufRole.ROOT).content) == root.to_bytes()
    assert {metadata.role for metadata in repository.metadata.all()} == set(TufRole.values)


def test_an_unsigned_root_is_refused(product, offline_root_key, tmp_path):
    # given a repository waiting for its offline root
    _, pem = offline_root_key
    unsigned = tmp_path / "root.json"
    run("tuf_init", product.key, "--offline-root", str(pem), "--output", str(unsigned))

    # when the file is imported without its signature, then it is refused
    with pytest.raises(CommandError, match="file: The root is not signed by enough of its keys"):
        run("tuf_sign_root", str(unsigned))


def test_a_root_nobody_waits_for_is_refused(repository, offline_root_key, tmp_path):
    signer, _ = offline_root_key
    other = Metadata.from_bytes(bytes(repository.metadata.latest_of(TufRole.ROOT).content))
    other.sign(signer)
    path = tmp_path / "other.json"
    path.write_bytes(other.to_bytes())

    with pytest.raises(CommandError, match="No repository waits for this root"):
        run("tuf_sign_root", str(path))


def test_tuf_rotate_key_names_the_new_key(repository, product):
    output = run("tuf_rotate_key", product.key, "snapshot")

    new_key = repository.keys.get(role=TufRole.SNAPSHOT, retired_at__isnull=True)
    assert f"new key {new_key.keyid}" in output
    assert repository.metadata.latest_of(TufRole.ROOT).version == 2


def test_an_offline_root_key_cannot_be_rotated_online(product, offline_root_key, tmp_path):
    _, pem = offline_root_key
    run("tuf_init", product.key, "--offline-root", str(pem), "--output", str(tmp_path / "root.json"))

    with pytest.raises(CommandError, match="role: The root key is offline"):
        run("tuf_rotate_key", product.key, "targets")


def test_an_offline_root_is_renewed_by_a_drafted_and_signed_next_version(product, offline_root_key, tmp_path,
                                                                         settings):
    # given a repository whose offline root version 1 was signed and imported
    signer, pem = offline_root_key
    draft = tmp_path / "root.json"
    run("tuf_init", product.key, "--offline-root", str(pem), "--output", str(draft))
    sign_file(draft, signer)
    run("tuf_sign_root", str(draft))

    # when, a day later in the root's period, the next version is drafted, signed offline and imported
    settings.OTA_TUF_ROOT_EXPIRY += timedelta(days=1)
    output = run("tuf_draft_root", product.key, "--output", str(draft))
    sign_file(draft, signer)
    run("tuf_sign_root", str(draft))

    # then root version 2 is served, expiring a day after version 1
    repository = product.tuf_repository
    assert "Wrote root version 2" in output
    first, second = repository.metadata.filter(role=TufRole.ROOT).order_by("version")
    assert second.version == 2 and second.expires - first.expires >= timedelta(days=1)


def test_a_root_cannot_be_drafted_before_version_1_is_signed(product, offline_root_key, tmp_path):
    _, pem = offline_root_key
    run("tuf_init", product.key, "--offline-root", str(pem), "--output", str(tmp_path / "root.json"))

    with pytest.raises(CommandError, match="product: thermostat has no signed root yet"):
        run("tuf_draft_root", product.key, "--output", str(tmp_path / "next.json"))


def sign_file(path, signer):
    root = Metadata.from_bytes(path.read_bytes())
    root.sign(signer)
    path.write_bytes(root.to_bytes())
