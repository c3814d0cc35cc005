"""A root key kept away from the portal, as an operator keeps it: the portal sees its public half only."""

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import Metadata


@dataclass(frozen=True)
class OfflineKey:
    signer: CryptoSigner
    pem: Path  # the public half, as the commands read it

    @property
    def keyid(self) -> str:
        return self.signer.public_key.keyid


def make_offline_key(folder: Path, name: str) -> OfflineKey:
    private_key = Ed25519PrivateKey.generate()
    pem = folder / f"{name}.pub.pem"
    pem.write_bytes(private_key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
    return OfflineKey(CryptoSigner(private_key), pem)


def sign_file(path: Path, *keys: OfflineKey) -> None:
    """Add each key's signature to the root metadata at ``path``, keeping the signatures it has."""
    root = Metadata.from_bytes(path.read_bytes())
    for key in keys:
        root.sign(key.signer, append=True)
    path.write_bytes(root.to_bytes())
