"""A product's TUF repository: its role keys and every version of its signed metadata.

The Update Framework (docs/tuf.md) splits trust into four roles. Their keys live
here: the private key of an online role (targets, snapshot, timestamp) encrypted
like access-key secrets, so the portal can sign unattended; the root key may be
kept offline, its private half never stored. Each signed metadata file is kept
byte for byte as devices download it, one row per role and version, until it is
pruned (catalog.services.tuf_pruning: every root stays, superseded others go).
"""

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.db import models
from django.db.models import Q
from securesystemslib.signer import CryptoSigner, SSlibKey

from catalog import secrets

from .products import Product

KEY_CIPHER_PURPOSE = "ota-tuf-keys"


class TufRole(models.TextChoices):
    ROOT = "root", "Root"
    TARGETS = "targets", "Targets"
    SNAPSHOT = "snapshot", "Snapshot"
    TIMESTAMP = "timestamp", "Timestamp"


class TufRepository(models.Model):
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="tuf_repository")
    pending_root = models.JSONField(
        null=True, blank=True, editable=False,
        help_text="The signed part of a root version waiting for its offline signatures (tuf_sign_root).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_signed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["product__key"]
        verbose_name = "TUF repository"
        verbose_name_plural = "TUF repositories"

    def __str__(self):
        return f"TUF repository of {self.product}"


class TufKeyQuerySet(models.QuerySet):
    def current(self):
        return self.filter(retired_at__isnull=True, pending=False)

    def pending(self):
        return self.filter(retired_at__isnull=True, pending=True)

    def retire(self, now) -> int:
        """A retired key signs nothing again: its private half goes, its public half stays."""
        return self.update(retired_at=now, encrypted_private_key=b"")


class TufKey(models.Model):
    """One Ed25519 key of one role; a rotated key is retired, never deleted (old roots name it).

    A key is pending while only a root version waiting for its offline signatures names it:
    the role's current key keeps signing until that root is imported.
    """

    repository = models.ForeignKey(TufRepository, on_delete=models.CASCADE, related_name="keys")
    role = models.CharField(max_length=16, choices=TufRole.choices)
    keyid = models.CharField(max_length=64, editable=False)
    public_key = models.JSONField(editable=False, help_text="The key as TUF metadata lists it.")
    encrypted_private_key = models.BinaryField(
        blank=True, editable=False, help_text="PEM, encrypted; empty for a key kept offline."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)
    pending = models.BooleanField(
        default=False, editable=False,
        help_text="Named by a root waiting for its offline signatures; becomes current when it is imported.",
    )

    objects = TufKeyQuerySet.as_manager()

    class Meta:
        ordering = ["repository", "role", "-created_at"]
        verbose_name = "TUF key"
        constraints = [
            models.UniqueConstraint(fields=["repository", "role"],
                                    condition=Q(retired_at__isnull=True, pending=False),
                                    name="tuf_key_one_current_per_role"),
        ]

    def __str__(self):
        return f"{self.role} {self.keyid[:12]}"

    @classmethod
    def generate(cls, repository: TufRepository, role: str, pending: bool = False) -> "TufKey":
        """A new key pair for ``role``, its private half encrypted; unsaved."""
        signer = CryptoSigner.generate_ed25519()
        return cls(repository=repository, role=role, keyid=signer.public_key.keyid,
                   public_key=signer.public_key.to_dict(), pending=pending,
                   encrypted_private_key=secrets.cipher(KEY_CIPHER_PURPOSE).encrypt(signer.private_bytes))

    @classmethod
    def offline(cls, repository: TufRepository, role: str, public_key: SSlibKey,
                pending: bool = False) -> "TufKey":
        """A key whose private half stays with its owner; unsaved."""
        return cls(repository=repository, role=role, keyid=public_key.keyid, public_key=public_key.to_dict(),
                   pending=pending)

    @property
    def is_online(self) -> bool:
        return bool(self.encrypted_private_key)

    def public(self) -> SSlibKey:
        return SSlibKey.from_dict(self.keyid, dict(self.public_key))

    def signer(self) -> CryptoSigner:
        pem = secrets.cipher(KEY_CIPHER_PURPOSE).decrypt(bytes(self.encrypted_private_key))
        return CryptoSigner(load_pem_private_key(pem, None), self.public())


class TufMetadataQuerySet(models.QuerySet):
    def latest_of(self, role: str):
        """The newest version of ``role``, or None."""
        return self.filter(role=role).order_by("-version").first()


class TufMetadata(models.Model):
    """One signed version of one role's metadata, exactly as served."""

    repository = models.ForeignKey(TufRepository, on_delete=models.CASCADE, related_name="metadata")
    role = models.CharField(max_length=16, choices=TufRole.choices)
    version = models.PositiveIntegerField()
    expires = models.DateTimeField()
    content = models.BinaryField(editable=False)
    signed_at = models.DateTimeField(auto_now_add=True)

    objects = TufMetadataQuerySet.as_manager()

    class Meta:
        ordering = ["repository", "role", "-version"]
        verbose_name = "TUF metadata"
        verbose_name_plural = "TUF metadata"
        constraints = [
            models.UniqueConstraint(fields=["repository", "role", "version"],
                                    name="tuf_metadata_unique_version"),
        ]

    def __str__(self):
        return f"{self.role} v{self.version}"

    @property
    def file_name(self) -> str:
        """The spec's name: ``timestamp.json`` alone has no version (consistent snapshots)."""
        return "timestamp.json" if self.role == TufRole.TIMESTAMP else f"{self.version}.{self.role}.json"
