from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from catalog import secrets
from catalog.models import Product
from catalog.validators import version_validator
from devices.validators import validate_attributes, validate_installed_versions, validate_tags

uid_validator = RegexValidator(
    r"^[A-Za-z0-9\-_.:]{1,128}\Z", "Use 1 to 128 letters, digits, hyphens, underscores, periods or colons."
)


class DeviceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Device(models.Model):
    uid = models.CharField(
        max_length=128, unique=True, validators=[uid_validator], help_text="The id the device is known by."
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=128, blank=True, db_index=True)
    attributes = models.JSONField(
        default=dict, blank=True, validators=[validate_attributes],
        help_text="Free attributes: region, hardware revision, customer…",
    )
    tags = models.JSONField(
        default=list, blank=True, validators=[validate_tags], help_text="A list of tag strings."
    )
    agent_version = models.CharField(
        max_length=64, blank=True, validators=[version_validator], help_text="Version of the update agent."
    )
    installed_versions = models.JSONField(
        default=dict, blank=True, validators=[validate_installed_versions],
        help_text='Installed version per module, e.g. {"default": "1.0.0"}.',
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_address = models.GenericIPAddressField(null=True, blank=True)
    is_active = models.BooleanField(default=True, help_text="An inactive device's token stops working.")
    # hawkBit's auto-confirmation (rollouts.services.consent): while on, the device confirms every update
    # that asks for its consent.
    auto_confirm_since = models.DateTimeField(null=True, blank=True, editable=False,
                                              help_text="Auto-confirm: when the device turned it on; empty: off.")
    auto_confirm_initiator = models.CharField(max_length=128, blank=True,
                                              help_text="Auto-confirm: who turned it on, as the device said.")
    auto_confirm_remark = models.CharField(max_length=512, blank=True,
                                           help_text="Auto-confirm: the remark given when it was turned on.")
    token_prefix = models.CharField(max_length=secrets.PREFIX_LENGTH, unique=True, null=True, editable=False)
    token_digest = models.CharField(max_length=64, blank=True, editable=False)
    token_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeviceQuerySet.as_manager()

    TOKEN_KIND = "dev"

    class Meta:
        ordering = ["uid"]
        indexes = [
            models.Index(fields=["product", "uid"], name="device_product_uid"),
            models.Index(fields=["last_seen_at"], name="device_last_seen"),
            models.Index(fields=["product", "last_seen_at"], name="device_product_last_seen"),
            # Inactive devices are few: a partial index serves the admin's "inactive" filter.
            models.Index(fields=["product"], condition=models.Q(is_active=False), name="device_inactive"),
        ]
        # On PostgreSQL, GIN (jsonb_path_ops) indexes on attributes, installed_versions
        # and tags serve containment filters (rollouts migration 0003); SQLite has none.

    def __str__(self):
        return self.uid

    def installed_version(self, module_name: str) -> str:
        return self.installed_versions.get(module_name, "")


class DeviceEvent(models.Model):
    """What happened to a device: registration, token changes, offers and reports."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", "Registered"
        UPDATED = "updated", "Updated"
        TOKEN_ROTATED = "token_rotated", "Token rotated"
        DEACTIVATED = "deactivated", "Deactivated"
        ACTIVATED = "activated", "Activated"
        VERSIONS_REPORTED = "versions_reported", "Versions reported"
        UPDATE_OFFERED = "update_offered", "Update offered"
        UPDATE_STATUS = "update_status", "Update status"

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "device event"
        indexes = [models.Index(fields=["device", "-created_at"], name="device_event_recent")]

    def __str__(self):
        return f"{self.device_id} {self.kind}"


class GatewayToken(models.Model):
    """A hawkBit gateway token: may act for any device of its product."""

    TOKEN_KIND = "gw"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="gateway_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=secrets.PREFIX_LENGTH, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.product})"
