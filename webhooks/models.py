"""Webhook subscriptions, the events recorded for them, their deliveries and each attempt at one."""

import base64
import secrets as stdlib_secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog import secrets
from catalog.models import Product
from webhooks.choices import DeliveryState, EventType

SECRET_PREFIX = "whsec_"
# The part of a receiver's answer kept with each attempt.
RESPONSE_EXCERPT_LENGTH = 1024


def _secret_cipher():
    # Signing needs the secret itself, so it is encrypted (not hashed), as access-key secrets are.
    return secrets.cipher("ota-webhook-secrets")


def new_message_id() -> str:
    """A Standard Webhooks message id: unique per event, the same on every retry of it."""
    return f"msg_{stdlib_secrets.token_urlsafe(18)}"


def validate_event_types(value):
    if not isinstance(value, list) or not value:
        raise ValidationError("Name at least one event type.")
    unknown = sorted(set(value) - set(EventType.values))
    if unknown:
        raise ValidationError(f"Unknown event types: {', '.join(map(str, unknown))}.")


class SubscriptionQuerySet(models.QuerySet):
    def wanting(self, event_type: str, product_id) -> list:
        """Active subscriptions to ``event_type`` for the product (or for every product).

        The event type is matched in Python: subscriptions are few, and SQLite (``make run``) has
        no JSON containment lookup.
        """
        candidates = self.filter(is_active=True).filter(Q(product__isnull=True) | Q(product_id=product_id))
        return [subscription for subscription in candidates if event_type in subscription.event_types]


class Subscription(models.Model):
    """A receiver's URL with its signing secret, the event types it wants and, optionally, one product."""

    name = models.CharField(
        max_length=100, blank=True, help_text="Who receives, for people reading the list."
    )
    url = models.URLField(max_length=2000, validators=[URLValidator(schemes=["http", "https"])])
    encrypted_secret = models.BinaryField(editable=False)
    event_types = models.JSONField(default=list, validators=[validate_event_types])
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_subscriptions",
        help_text="Only this product's events; blank: every product's.",
    )
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, editable=False, help_text="Messages in a row whose every attempt failed."
    )
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.name or self.url

    def clean(self):
        # The portal's workers POST to whatever URL a manager gives (SSRF): an allow-list narrows it.
        allowed = settings.OTA_WEBHOOK_ALLOWED_HOSTS
        if allowed and (urlsplit(self.url).hostname or "") not in allowed:
            raise ValidationError({"url": "The host is not in OTA_WEBHOOK_ALLOWED_HOSTS."})

    def assign_secret(self) -> str:
        """Give the subscription a new ``whsec_…`` secret; returns it, to be shown once."""
        secret = SECRET_PREFIX + base64.b64encode(stdlib_secrets.token_bytes(32)).decode()
        self.encrypted_secret = _secret_cipher().encrypt(secret.encode())
        return secret

    @property
    def secret(self) -> str:
        return _secret_cipher().decrypt(bytes(self.encrypted_secret)).decode()

    @property
    def signing_key(self) -> bytes:
        """The bytes HMAC-SHA256 signs with: the secret without its prefix, base64-decoded."""
        return base64.b64decode(self.secret.removeprefix(SECRET_PREFIX))


class WebhookEvent(models.Model):
    """One thing that happened, as every subscriber receives it; ``id`` is the ``webhook-id`` header."""

    id = models.CharField(primary_key=True, max_length=40, default=new_message_id, editable=False)
    type = models.CharField(max_length=64, choices=EventType.choices)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "webhook event"

    def __str__(self):
        return f"{self.type} {self.id}"


class Delivery(models.Model):
    """Sending one event to one subscription, retried until it succeeds or the schedule runs out."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The sweep's query: pending deliveries whose next attempt is due.
            models.Index(fields=["next_attempt_at"], condition=Q(state=DeliveryState.PENDING),
                         name="webhook_delivery_due"),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.subscription}"


class Attempt(models.Model):
    """One HTTP request of a delivery: what the receiver answered, or why there was no answer."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"{self.delivery_id} #{self.number}"
