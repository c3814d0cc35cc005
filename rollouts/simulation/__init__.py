"""A simulated fleet for benchmarks and demos: products, releases, filters, rollouts and devices.

``generate(FleetSpec(devices=N, releases=M))`` grows the fleet named ``spec.name``
to N devices and M releases; running it again with the same numbers changes
nothing, and with bigger ones adds only what is missing, so a benchmark can
measure at 1,000 devices, grow to 100,000 and measure again. Everything is
derived from the device's index, so two runs produce the same fleet.

It serves ``manage.py simulate_fleet``, the benchmarks (bench/) and the tests, never
a request: nothing in the portal's own paths imports it. Its parts:

- ``profiles``: the spec, and what each device and release is, derived from its index;
- ``catalog_rows``: products, filters, releases with verified artifacts, rollouts in phases;
- ``device_rows``: devices and their update states, written in batches;
- ``generator``: ``generate``, which puts them together.

Device tokens are derived, not random: ``device_token(name, index)`` is an HMAC
of the device uid under ``SECRET_KEY``, so a load generator with the same
settings knows every token without any plaintext being stored. Only the
simulated devices have such tokens; they are as secret as ``SECRET_KEY``.
"""

from rollouts.simulation.catalog_rows import PHASES
from rollouts.simulation.generator import generate
from rollouts.simulation.profiles import (
    AGENT_VERSIONS,
    PRODUCT_KINDS,
    REGIONS,
    FleetError,
    FleetReport,
    FleetSpec,
    check_in_report,
    device_profile,
    device_token,
    device_uid,
    product_key,
)

__all__ = [
    "AGENT_VERSIONS", "PHASES", "PRODUCT_KINDS", "REGIONS", "FleetError", "FleetReport", "FleetSpec",
    "check_in_report", "device_profile", "device_token", "device_uid", "generate", "product_key",
]
