"""Upgrade packages as Huawei IoTDA sees them: a release whose artifact is an object already in storage.

IoTDA names the object by OBS bucket and key; here the bucket is one on the
configured S3 endpoint (or, with local storage, a folder under MEDIA_ROOT).
The package is created only once the object is known to exist, and the
release, its module (when new) and its artifact are written in one transaction,
so a refused package leaves nothing behind.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import transaction

from catalog.models import DEFAULT_MODULE, Module, Product, Release
from catalog.services import artifacts
from catalog.services.releases import register_release
from catalog.storage import ArtifactStore, ObjectMissing, StorageError

# The object types IoTDA accepts for a package (its "Supported files").
PACKAGE_EXTENSIONS = (
    ".bin", ".dav", ".tar", ".gz", ".zip", ".gzip", ".apk", ".tar.gz", ".tar.xz", ".pack", ".exe", ".bat", ".img",
)


def configured_bucket() -> str:
    """The bucket artifacts are stored in; with local storage, their folder under MEDIA_ROOT."""
    store = ArtifactStore()
    if store.is_s3:
        return store.storage.bucket_name
    location = Path(store.storage.location).resolve()
    try:
        return str(location.relative_to(Path(settings.MEDIA_ROOT).resolve()))
    except ValueError:
        return ""


def allowed_buckets() -> set[str]:
    """Buckets packages may name: the configured one and those listed in OTA_PACKAGE_BUCKETS.

    The portal reads these objects with its own storage credentials and serves them
    to devices, so an API user must not be able to point it at any bucket it can read.
    """
    return {configured_bucket(), *settings.OTA_PACKAGE_BUCKETS} - {""}


def check_object(bucket: str, key: str) -> int:
    """The size of an existing object a package may use; ValidationError naming the field otherwise."""
    if bucket not in allowed_buckets():
        raise ValidationError({"bucket_name": f"Bucket {bucket!r} is not one the portal serves packages from "
                                              f"(allowed: {', '.join(sorted(allowed_buckets()))})."})
    store = ArtifactStore("" if bucket == configured_bucket() else bucket)
    try:
        size = store.size(key)
    except ObjectMissing:
        raise ValidationError({"object_key": f"No object {key!r} exists in bucket {bucket!r}."}) from None
    except (StorageError, SuspiciousFileOperation) as error:
        raise ValidationError({"object_key": f"Object {key!r} in bucket {bucket!r} cannot be read: {error}"}) \
            from None
    if size > settings.OTA_MAX_ARTIFACT_SIZE:
        raise ValidationError({"object_key": f"Object {key!r} is {size} bytes; the largest accepted is "
                                             f"{settings.OTA_MAX_ARTIFACT_SIZE} bytes."})
    return size


def resolve_product(product_key: str, resource_space_key: str) -> Product:
    """The product a package names, which must belong to the resource space it names (IoTDA's app_id)."""
    product = Product.objects.select_related("resource_space").filter(key=product_key).first()
    if product is None:
        raise ValidationError({"product_id": f"Unknown product {product_key!r}."})
    space = product.resource_space
    if space is None or space.key != resource_space_key:
        raise ValidationError({"app_id": f"Product {product_key!r} does not belong to resource space "
                                         f"{resource_space_key!r}."})
    return product


def create_package(*, product: Product, module_name: str | None, version: str, bucket: str, key: str,
                   sign: str = "", **release_fields) -> Release:
    """Register a release whose artifact is the existing object ``bucket``/``key``, queued for verification.

    A module that does not exist yet is created (IoTDA's modulePackage). Raises
    ValidationError (field names of the package API) or ReleaseExists.
    """
    check_object(bucket, key)
    with transaction.atomic():
        module, _ = Module.objects.get_or_create(product=product, name=module_name or DEFAULT_MODULE)
        release = register_release(module, version, declared_sha256=sign, **release_fields)
        artifacts.reference(release, bucket, key, declared_sha256=sign)
    return release
