"""Registering and retiring releases: the one path the APIs, the admin and the commands share."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.choices import ReleaseStatus
from catalog.models import DEFAULT_MODULE, Module, Product, Release
from catalog.services.artifacts import remove


class ReleaseExists(Exception):
    """A release with this version already exists for the module."""

    def __init__(self, release: Release):
        super().__init__(f"Version {release.version} already exists for {release.module}.")
        self.release = release


def resolve_module(product_key: str | None, module_name: str | None, *, create_module=False) -> Module:
    """The module a request names, defaulting to OTA_DEFAULT_PRODUCT and its ``default`` module."""
    product_key = product_key or settings.OTA_DEFAULT_PRODUCT
    module_name = module_name or DEFAULT_MODULE
    product = Product.objects.filter(key=product_key).first()
    if product is None:
        raise ValidationError({"product": f"Unknown product {product_key!r}."})
    if create_module:
        module, _ = Module.objects.get_or_create(product=product, name=module_name)
        return module
    module = Module.objects.filter(product=product, name=module_name).select_related("product").first()
    if module is None:
        raise ValidationError({"module": f"Product {product_key!r} has no module {module_name!r}."})
    return module


def find_release(product_key: str, module_name: str | None, version: str) -> Release:
    """The release of ``version`` in the named module (``default`` when none is named)."""
    module = resolve_module(product_key, module_name)
    release = (Release.objects.select_related("product", "module")
               .filter(module=module, version=version).first())
    if release is None:
        raise ValidationError({"version": f"{module} has no version {version!r}."})
    return release


RELEASE_NAME_FORMS = "its id (UUID), PRODUCT:MODULE:VERSION, or PRODUCT:VERSION (the default module)"


class BadReleaseName(ValueError):
    def __init__(self, name: str):
        super().__init__(f"Name the release by {RELEASE_NAME_FORMS}, not {name!r}.")


def release_lookup(name: str) -> dict:
    """The Release field lookups selecting the release an operator names; the commands and APIs share it.

    Raises BadReleaseName when ``name`` is neither a UUID nor PRODUCT[:MODULE]:VERSION.
    """
    try:
        return {"pk": uuid.UUID(name)}
    except ValueError:
        parts = name.split(":")
    if len(parts) == 2:
        parts = [parts[0], DEFAULT_MODULE, parts[1]]
    if len(parts) != 3 or not all(parts):
        raise BadReleaseName(name)
    product_key, module_name, version = parts
    return {"product__key": product_key, "module__name": module_name, "version": version}


def register_release(module: Module, version: str, **fields) -> Release:
    """Create a release after full model validation; raises ReleaseExists for a duplicate version."""
    existing = Release.objects.filter(module=module, version=version).first()
    if existing is not None:
        raise ReleaseExists(existing)
    release = Release(module=module, product=module.product, version=version, **fields)
    release.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            release.save()
    except IntegrityError:
        raise ReleaseExists(Release.objects.get(module=module, version=version)) from None
    return release


def deprecate_release(release: Release, reason: str) -> Release:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the release is deprecated."})
    if release.status == ReleaseStatus.DEPRECATED and release.deprecate_reason == reason:
        return release
    release.deprecate(reason)
    return release


def delete_release(release: Release) -> None:
    """Delete a release with its artifact; an object the portal wrote goes too, after commit.

    Objects the release only referenced (IoTDA packages, imported keys) stay in their bucket.
    """
    with transaction.atomic():
        artifact = release.artifact_or_none
        if artifact is not None:
            remove(artifact)
        release.delete()
