"""The catalog's part of the demo data (``manage.py load_demo``): an admin, a product, releases with files.

Every ``<app>/demo.py`` has a ``load(out)``; ``load_demo`` calls them in the
order of INSTALLED_APPS, so devices and rollouts can build on what this one made.
Each part is idempotent: running it again changes nothing that exists.
"""

import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from catalog.choices import PackageType
from catalog.models import Module, Product, Release
from catalog.services import artifacts
from catalog.services.products import create_product, ensure_modules
from catalog.services.releases import deprecate_release, register_release

ADMIN_USERNAME = "admin"
PRODUCT_KEY = "demo-thermostat"
DISPLAY_MODULE = "display-app"


@dataclass(frozen=True)
class DemoRelease:
    module: str
    version: str
    notes: str
    package_type: str = PackageType.FIRMWARE
    deprecated: str = ""  # the reason, when the release is deprecated


RELEASES = [
    DemoRelease("default", "1.0.0", "First release.",
                deprecated="Superseded by 1.1.0: the heating schedule drifted after a clock change."),
    DemoRelease("default", "1.1.0", "Fixes the heating schedule after daylight-saving changes."),
    DemoRelease("default", "1.2.0-rc.1", "Release candidate: adaptive heating."),
    DemoRelease(DISPLAY_MODULE, "2.0.0", "New display application.", PackageType.SOFTWARE),
    DemoRelease(DISPLAY_MODULE, "2.1.0", "Dark mode and larger digits.", PackageType.SOFTWARE),
]


def admin_password_file():
    return settings.VAR_DIR / "demo-admin-password"


def admin_password() -> str:
    """The demo admin's password: made once, then read back, so every run prints the same login."""
    path = admin_password_file()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def ensure_admin(out):
    password = admin_password()
    user, created = get_user_model().objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"email": "admin@example.com"}
    )
    if created or not user.check_password(password) or not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
    out.write(f"Demo admin: {ADMIN_USERNAME} / {password}  (password kept in {admin_password_file()}; "
              "for development only)")
    return user


def artifact_bytes(module: str, version: str, size: int = 64 * 1024) -> bytes:
    """A deterministic pseudo-random file, different for each release."""
    seed = f"{PRODUCT_KEY}/{module}/{version}".encode()
    blocks = (hashlib.sha256(seed + index.to_bytes(4, "big")).digest() for index in range(size // 32))
    return b"".join(blocks)


def ensure_product() -> Product:
    product = Product.objects.filter(key=PRODUCT_KEY).first() or create_product(
        PRODUCT_KEY, "Demo thermostat", description="A connected thermostat with a display application."
    )
    ensure_modules(product, [DISPLAY_MODULE])
    return product


def ensure_release(product: Product, spec: DemoRelease) -> tuple[Release, bool]:
    """The release, created with its uploaded artifact when missing; returns (release, uploaded)."""
    module = Module.objects.select_related("product").get(product=product, name=spec.module)
    release = Release.objects.filter(module=module, version=spec.version).first()
    if release is None:
        release = register_release(module, spec.version, release_notes=spec.notes,
                                   package_type=spec.package_type, min_agent_version="1.0.0")
    uploaded = False
    if release.artifact_or_none is None:
        content = artifact_bytes(spec.module, spec.version)
        file_name = f"{PRODUCT_KEY}-{spec.module}-{spec.version}.bin"
        artifacts.upload(release, ContentFile(content, name=file_name), file_name,
                         declared_sha256=hashlib.sha256(content).hexdigest(), declared_size=len(content))
        uploaded = True
    if spec.deprecated:
        deprecate_release(release, spec.deprecated)
    return release, uploaded


def load(out, base_url: str):
    ensure_admin(out)
    product = ensure_product()
    uploaded = sum(ensure_release(product, spec)[1] for spec in RELEASES)
    out.write(f"Demo product {product.key}: {len(RELEASES)} releases, {uploaded} artifact(s) uploaded now "
              "and queued for verification.")
