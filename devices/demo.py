"""The devices' part of the demo data: a small fleet of the demo product, one token to try the device APIs.

Idempotent: devices that exist are left alone. The token of the first device is
kept in ``var/demo-device-token`` (development only) so every run prints it.
"""

from django.conf import settings

from catalog.demo import DISPLAY_MODULE, PRODUCT_KEY
from catalog.models import Product
from devices.models import Device
from devices.services.registry import register_device, rotate_token

FLEET_SIZE = 24
REGIONS = ["eu", "us", "apac"]


def demo_uid(number: int) -> str:
    return f"demo-thermostat-{number:04d}"


def token_file():
    return settings.VAR_DIR / "demo-device-token"


def _demo_fields(number: int) -> dict:
    return {
        "name": f"Demo thermostat {number}",
        # Device 1, whose token is printed, is in Europe: the demo's targeted rollout reaches it.
        "attributes": {"region": REGIONS[(number - 1) % len(REGIONS)],
                       "hardware": "rev-b" if number % 4 else "rev-a"},
        "tags": ["demo"] + (["beta-testers"] if number % 6 == 0 else []),
        "agent_version": "1.5.0" if number % 5 else "1.1.0",
        "installed_versions": {"default": "1.0.0" if number % 2 else "1.1.0", DISPLAY_MODULE: "2.0.0"},
    }


def _first_device_token(device: Device) -> str:
    path = token_file()
    if path.exists():
        return path.read_text().strip()
    plaintext = rotate_token(device)
    path.write_text(plaintext + "\n")
    path.chmod(0o600)
    return plaintext


def load(out, base_url: str):
    product = Product.objects.get(key=PRODUCT_KEY)
    existing = set(Device.objects.filter(product=product).values_list("uid", flat=True))
    for number in range(1, FLEET_SIZE + 1):
        if demo_uid(number) not in existing:
            register_device(product, demo_uid(number), **_demo_fields(number))
    token = _first_device_token(Device.objects.get(uid=demo_uid(1)))
    out.write(f"{FLEET_SIZE} demo devices of {PRODUCT_KEY}. Device {demo_uid(1)} has the token (development only):")
    out.write(f"  {token}")
    out.write(f"  try: TOKEN={token}")
    out.write('       curl -s -X POST -H "x-access-token: $TOKEN" -H "Content-Type: application/json" '
              '-d \'{"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}\' '
              f"{base_url}/api/v1/device/check-in")
