from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from catalog.validators import module_name_validator, product_key_validator

DEFAULT_MODULE = "default"


class ResourceSpace(models.Model):
    """A grouping of products (IoTDA's ``app_id``)."""

    key = models.CharField(
        max_length=36,
        unique=True,
        validators=[product_key_validator],
        help_text="Identifier used by the package API as app_id (letters, digits, _ and -).",
    )
    name = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key


class Product(models.Model):
    key = models.CharField(
        max_length=64,
        unique=True,
        validators=[product_key_validator],
        help_text="Identifier used by the APIs (letters, digits, _ and -, at most 64).",
    )
    name = models.CharField(max_length=128)
    description = models.TextField(blank=True, max_length=1024)
    resource_space = models.ForeignKey(
        ResourceSpace, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    poll_interval = models.DurationField(
        default=timedelta(minutes=5), help_text="How often devices are told to poll (hawkBit polling.sleep)."
    )
    # Four-eyes approval (approvals app; docs/operations.md, "Four-eyes approval").
    requires_approval = models.BooleanField(
        default=False,
        help_text="Risky rollout steps wait for another user's approval: starting, widening past the threshold "
                  "below, switching to general, and resuming after an automatic pause.",
    )
    approval_threshold = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="With approval required: widening a rollout to more than this percentage of its devices "
                  "needs approval (0: every widening).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self):
        return self.key

    def save(self, *args, **kwargs):
        creating = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if creating:
                Module.objects.get_or_create(product=self, name=DEFAULT_MODULE)


class Module(models.Model):
    """A separately updatable part of a product (firmware, an application…)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="modules")
    name = models.CharField(max_length=64, validators=[module_name_validator])
    description = models.TextField(blank=True, max_length=1024)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product__key", "name"]
        constraints = [models.UniqueConstraint(fields=["product", "name"], name="module_unique_per_product")]

    def __str__(self):
        return f"{self.product.key}/{self.name}"
