"""What the fleet is: the spec, and each device and release derived from its index (rollouts.simulation)."""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from devices.models import Device

PRODUCT_KINDS = ("gateway", "sensor", "camera", "meter", "tracker", "display", "router", "lock")
MODULES = ("default", "app")
REGIONS = ("eu-west", "eu-central", "us-east", "us-west", "ap-south", "ap-east", "sa-east", "af-south")
HARDWARE = ("rev-a", "rev-b", "rev-c", "rev-d")
CUSTOMERS = tuple(f"customer-{n:02d}" for n in range(40))
TAGS = ("beta", "lab", "field", "pilot", "retail", "industrial", "outdoor", "indoor")
AGENT_VERSIONS = ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0")
# Installed versions are old ones, most devices on the oldest: releases are upgrades.
INSTALLED_WEIGHTS = ((0, 60), (1, 30), (2, 10))


class FleetError(Exception):
    """The fleet cannot be generated as asked (the message says why)."""


@dataclass(frozen=True)
class FleetSpec:
    devices: int
    releases: int = 10
    rollouts: int = 100
    filters: int = 20
    products: int = 3
    name: str = "sim"
    batch_size: int = 10_000
    prune: bool = False
    # Write devices with COPY (PostgreSQL only); None: whenever the database is PostgreSQL.
    use_copy: bool | None = None

    def __post_init__(self):
        if self.devices < 0 or self.releases < 0 or self.rollouts < 0 or self.filters < 0:
            raise FleetError("Counts cannot be negative.")
        if not 1 <= self.products <= len(PRODUCT_KINDS):
            raise FleetError(f"Give between 1 and {len(PRODUCT_KINDS)} products.")
        if not self.name.replace("-", "").isalnum() or len(self.name) > 20:
            raise FleetError("The fleet name is 1 to 20 letters, digits or hyphens.")
        if self.batch_size < 1:
            raise FleetError("The batch size must be positive.")


@dataclass
class FleetReport:
    devices_created: int = 0
    devices_total: int = 0
    releases_created: int = 0
    releases_deleted: int = 0
    releases_total: int = 0
    filters_created: int = 0
    running_rollouts: int = 0
    updates_created: int = 0


# --- deterministic choices -------------------------------------------------------------------

def mix(*numbers: int) -> int:
    """A well-spread 64-bit integer from the numbers (splitmix64 steps), stable across runs."""
    state = 0x9E3779B97F4A7C15
    for number in numbers:
        state = (state ^ number) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        state = (state ^ (state >> 27)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
        state ^= state >> 31
    return state


def weighted(choices, roll: int):
    total = sum(weight for _, weight in choices)
    roll %= total
    for value, weight in choices:
        if roll < weight:
            return value
        roll -= weight
    raise AssertionError("unreachable")


def product_key(name: str, position: int) -> str:
    return f"{name}-{PRODUCT_KINDS[position]}"


def device_uid(name: str, index: int) -> str:
    return f"{name}-{index:08d}"


def token_prefix(name: str, index: int) -> str:
    # Two hex digits name the fleet, ten count the device: unique within the fleet,
    # and a random token's prefix matches one with probability 2**-48.
    return hashlib.sha256(name.encode()).hexdigest()[:2] + f"{index:010x}"


def device_token(name: str, index: int) -> str:
    """The plaintext token of simulated device ``index``: derivable by anyone holding SECRET_KEY."""
    uid = device_uid(name, index)
    mac = hmac.new(settings.SECRET_KEY.encode(), f"simulate_fleet:{uid}".encode(), hashlib.sha256).digest()
    secret = base64.urlsafe_b64encode(mac).decode().rstrip("=")
    return f"{Device.TOKEN_KIND}_{token_prefix(name, index)}_{secret}"


@dataclass(frozen=True)
class DeviceProfile:
    """What a simulated device is and runs; also what it reports when it checks in."""

    index: int
    uid: str
    product: int  # position of its product in the fleet
    attributes: dict
    tags: list
    agent_version: str
    installed: dict
    last_seen_minutes: int


def device_profile(spec: FleetSpec, index: int) -> DeviceProfile:
    roll = mix(index, 1)
    tags = [tag for bit, tag in enumerate(TAGS) if (roll >> (8 + bit * 3)) & 7 == 0]
    installed = {module: f"1.{weighted(INSTALLED_WEIGHTS, mix(index, 2, slot))}.0"
                 for slot, module in enumerate(MODULES)}
    return DeviceProfile(
        index=index,
        uid=device_uid(spec.name, index),
        product=index % spec.products,
        attributes={
            "region": REGIONS[roll % len(REGIONS)],
            "hardware": HARDWARE[(roll >> 3) % len(HARDWARE)],
            "customer": CUSTOMERS[(roll >> 40) % len(CUSTOMERS)],
            "batch": 2020 + (roll >> 50) % 6,
        },
        tags=tags,
        agent_version=AGENT_VERSIONS[(roll >> 33) % len(AGENT_VERSIONS)],
        installed=installed,
        # Most devices polled recently; a tail has been offline for days.
        last_seen_minutes=(roll >> 20) % 10 if (roll >> 17) % 8 else (roll >> 20) % 20_000,
    )


def check_in_report(profile: DeviceProfile) -> dict:
    """The check-in body the device would post."""
    return {"agentVersion": profile.agent_version, "modules": profile.installed, "attributes": profile.attributes}


@dataclass(frozen=True)
class ReleaseSlot:
    """Release ``index`` of the fleet: which product and module, which version."""

    index: int
    product: int
    module: str
    version: str


def release_slot(spec: FleetSpec, index: int) -> ReleaseSlot:
    lanes = spec.products * len(MODULES)
    lane, generation = index % lanes, index // lanes
    return ReleaseSlot(index, lane % spec.products, MODULES[lane // spec.products], f"1.{generation}.0")
