"""The audit log: one entry per change made through the admin, a management API or a command.

Entries form a hash chain (audit.chain): each carries a SHA-256 over its content and
the previous entry's hash, and ``ChainHead`` holds the last sequence number and hash,
so that an entry altered, deleted or inserted behind the application's back is found
by ``verify_audit_log``. Actors and products are kept as text, never as foreign keys:
deleting a user or a product must not rewrite (and so break) the entries naming them.
"""

from django.db import models
from django.utils import timezone

from otaportal import audit_context


class Surface(models.TextChoices):
    ADMIN = audit_context.ADMIN, "Admin"
    API = audit_context.API, "Management API"
    COMMAND = audit_context.COMMAND, "Management command"


class Action(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"


class AppendOnly(Exception):
    """Audit entries are written once, by audit.chain.append, and never changed or deleted by the app."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("Audit entries are never changed.")

    def delete(self):
        raise AppendOnly("Audit entries are never deleted.")


class AuditEntry(models.Model):
    sequence = models.PositiveBigIntegerField(
        unique=True, editable=False, help_text="Position in the chain: 1, 2, 3… with no gaps."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    surface = models.CharField(max_length=16, choices=Surface.choices)
    actor = models.CharField(
        max_length=150, blank=True, db_index=True,
        help_text="The user's name, or for a command acting for nobody its operating-system login.",
    )
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="The user's id when a user acted.")
    credential = models.CharField(
        max_length=64, blank=True,
        help_text="The management API credential: 'token <prefix>' or 'access key <id>'.",
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=100, db_index=True,
                                   help_text="app_label.model, e.g. rollouts.rollout.")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    product = models.CharField(max_length=64, blank=True, db_index=True,
                               help_text="Key of the object's product.")
    action = models.CharField(max_length=16, choices=Action.choices)
    changes = models.JSONField(
        default=dict, help_text='{"field": [before, after]}; secrets are recorded as changed, never shown.'
    )
    previous_hash = models.CharField(max_length=64, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_entry_object")]

    def __str__(self):
        return f"#{self.sequence} {self.actor or 'someone'} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("Audit entries are never deleted.")


class ChainHead(models.Model):
    """The one row every append locks: appends are serialised, so the chain never forks.

    It also remembers the last entry, so that entries deleted from the end (or added
    after it) are found too.
    """

    sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"audit chain at #{self.sequence}"
