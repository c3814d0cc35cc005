import itertools
import secrets as stdlib_secrets
import time

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog import secrets
from catalog.choices import CredentialStatus
from otaportal import last_use


class Scope(models.TextChoices):
    """What a token may do, per resource; Kaa's four names are kept for Kaa's clients.

    A token with no scopes has them all. Write scopes do not include read: give both.
    """

    CATALOG_READ = "catalog:read", "Read versions and packages"
    CATALOG_WRITE = "catalog:write", "Register, change and delete versions and packages"
    DEVICES_READ = "devices:read", "Read devices"
    DEVICES_WRITE = "devices:write", "Register, change, deactivate and activate devices; rotate their tokens"
    ROLLOUTS_READ = "rollouts:read", "Read rollouts, device filters and explanations"
    ROLLOUTS_WRITE = "rollouts:write", "Change rollouts and device filters"
    WEBHOOKS_READ = "webhooks:read", "Read webhook subscriptions and their deliveries"
    WEBHOOKS_WRITE = "webhooks:write", "Create, change and delete webhook subscriptions; send test events"
    SOFTWARE_READ = "application:software:read", "Kaa: read software"
    SOFTWARE_UPDATE = "application:software:update", "Kaa: create and update software"
    SOFTWARE_DELETE = "application:software:delete", "Kaa: delete software"
    ENDPOINT_READ = "endpoint:read", "Kaa: read endpoints"


# A Kaa scope names Kaa operations only; the portal's own scopes that allow the same
# grant it as well. Kaa's software is a release with its rollout; its endpoint a device.
KAA_SCOPE_EQUIVALENTS = {
    Scope.SOFTWARE_READ: frozenset({Scope.CATALOG_READ, Scope.ROLLOUTS_READ}),
    Scope.SOFTWARE_UPDATE: frozenset({Scope.CATALOG_WRITE, Scope.ROLLOUTS_WRITE}),
    Scope.SOFTWARE_DELETE: frozenset({Scope.CATALOG_WRITE, Scope.ROLLOUTS_WRITE}),
    Scope.ENDPOINT_READ: frozenset({Scope.DEVICES_READ}),
}


def scopes_allow(held, required) -> bool:
    """Whether the scopes ``held`` by a token grant every scope in ``required``; none held grants all."""
    if not held:
        return True
    return all(_grants(set(held), scope) for scope in required)


def ways_to_grant(required) -> list[list[str]]:
    """Each set of scopes that grants every scope in ``required``: Kaa's names or their equivalents."""
    choices = [[{scope}, *([KAA_SCOPE_EQUIVALENTS[scope]] if scope in KAA_SCOPE_EQUIVALENTS else [])]
               for scope in required]
    return [sorted(set().union(*combination)) for combination in itertools.product(*choices)]


def _grants(held: set, scope: str) -> bool:
    equivalent = KAA_SCOPE_EQUIVALENTS.get(scope)
    return scope in held or (equivalent is not None and equivalent <= held)


class CredentialQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def in_status(self, status: str):
        """Credentials whose ``status`` is ``status`` (the user's own state aside)."""
        if status == CredentialStatus.REVOKED:
            return self.filter(revoked_at__isnull=False)
        unexpired = models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=timezone.now())
        not_revoked = self.filter(revoked_at__isnull=True)
        if status == CredentialStatus.ACTIVE:
            return not_revoked.filter(unexpired)
        return not_revoked.exclude(unexpired)


class Credential(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    name = models.CharField(max_length=100, blank=True, help_text="What the credential is for.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CredentialQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_usable(self):
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return CredentialStatus.REVOKED
        return CredentialStatus.ACTIVE if self.is_usable else CredentialStatus.EXPIRED

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])

    # Key pairs carry no scopes: they may do whatever their user's permissions allow.
    is_limited = False

    def allows(self, required) -> bool:
        """Whether the credential's scopes allow an operation needing every scope in ``required``."""
        return True

    def touch(self):
        """Record the credential's use (buffered: otaportal.last_use writes it within a flush interval)."""
        last_use.note(self, time.time())


class ApiToken(Credential):
    """A bearer token for the management APIs, stored as a prefix and a SHA-256."""

    KIND = "ota"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=secrets.PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(
        default=list, blank=True,
        help_text="Scopes this token is limited to (catalog:read, rollouts:write… or Kaa's names; the README's "
                  "table); empty grants them all.",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, name="", scopes=()):
        """Create a token and return it with its plaintext, which is never stored."""
        token = cls(user=user, name=name, scopes=sorted(set(scopes)))
        plaintext = token.assign_secret()
        token.save()
        return token, plaintext

    def assign_secret(self) -> str:
        """Give an unsaved token its secret; returns the plaintext, which is never stored."""
        issued = secrets.issue(self.KIND)
        self.prefix, self.digest = issued.prefix, issued.digest
        return issued.plaintext

    @classmethod
    def authenticate(cls, plaintext):
        token = secrets.find(cls.objects.usable().select_related("user"), plaintext, cls.KIND)
        if token is not None:
            token.touch()
        return token

    @property
    def is_limited(self) -> bool:
        return bool(self.scopes)

    def allows(self, required) -> bool:
        return scopes_allow(self.scopes, required)


def _credentials_cipher():
    # Access-key secrets must be recoverable to check HMAC signatures, so they are
    # encrypted (not hashed) with a key derived from the Django secret key.
    return secrets.cipher("ota-access-keys")


class AccessKey(Credential):
    """An access key pair for SDK-HMAC-SHA256 request signing (Huawei Cloud SDKs)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_keys")
    access_key_id = models.CharField(max_length=32, unique=True, editable=False)
    encrypted_secret = models.BinaryField(editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.access_key_id} ({self.user})"

    @classmethod
    def issue(cls, user, name=""):
        key = cls(user=user, name=name)
        secret = key.assign_secret()
        key.save()
        return key, secret

    def assign_secret(self) -> str:
        """Give an unsaved key its id and secret; returns the secret, shown to its owner once."""
        self.access_key_id = "".join(
            stdlib_secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(20)
        )
        secret = stdlib_secrets.token_urlsafe(30)
        self.encrypted_secret = _credentials_cipher().encrypt(secret.encode())
        return secret

    @property
    def secret(self):
        return _credentials_cipher().decrypt(bytes(self.encrypted_secret)).decode()
