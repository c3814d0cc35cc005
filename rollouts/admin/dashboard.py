"""The admin index as a dashboard: the fleet by version, live rollouts, and what needs attention now.

Read through rollouts.services.dashboard and rollouts.services.fleet_census (a
constant number of queries at any fleet size); this module only adds the links
to the filtered admin lists and the charts. Each section is shown to users who
may view what it counts.
"""

from dataclasses import dataclass, field

from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone

from rollouts.models import RolloutState
from rollouts.services import dashboard, fleet_census

from . import charts, display
from .list_links import changelist, device_list, progress_url, update_list

LIVE_ROLLOUTS_SHOWN = 10
ATTENTION_ITEMS_SHOWN = 5
PRODUCTS_SHOWN = 12
VERSIONS_SHOWN = len(charts.PALETTE) - 1  # the rest are drawn together as "other versions"
OTHER_VERSIONS_COLOUR = charts.PALETTE[-1]


@dataclass(frozen=True)
class VersionRow:
    version: str
    devices: int
    colour: str
    url: str


@dataclass(frozen=True)
class ModuleRow:
    module: str
    chart: str
    versions: list = field(default_factory=list)  # VersionRow, newest first
    other: int = 0  # devices on versions past VERSIONS_SHOWN
    unreported: int = 0


def _module_row(product, module) -> ModuleRow:
    shown, rest = module.versions[:VERSIONS_SHOWN], module.versions[VERSIONS_SHOWN:]
    rows = [VersionRow(version, devices, charts.PALETTE[index],
                       device_list(product__id__exact=product.product_id, installed=f"{module.module}={version}"))
            for index, (version, devices) in enumerate(shown)]
    other = sum(devices for _, devices in rest)
    segments = [charts.Segment(f"{module.module} {row.version}", row.devices, row.colour, row.url) for row in rows]
    segments.append(charts.Segment("other versions", other, OTHER_VERSIONS_COLOUR))
    segments.append(charts.Segment("no version reported", module.unreported, "#dee2e6"))
    chart = charts.stacked_bar(segments, label=f"{product.key} {module.module} by installed version")
    return ModuleRow(module.module, chart, rows, other, module.unreported)


def fleet_section() -> dict:
    census = fleet_census.census()
    products = [
        {"key": product.key, "name": product.name, "devices": product.devices,
         "url": device_list(product__id__exact=product.product_id),
         "modules": [_module_row(product, module) for module in product.modules]}
        for product in census.products[:PRODUCTS_SHOWN]
    ]
    return {"census": census, "products": products, "more_products": max(len(census.products) - PRODUCTS_SHOWN, 0),
            "all_devices_url": device_list()}


def _rollout_row(rollout) -> dict:
    return {
        "rollout": rollout, "state": display.state_badge(rollout.state), "url": progress_url(rollout),
        "phase": display.phase_text(rollout), "progress": dashboard.progress_rate(rollout),
        "bar": display.outcome_bar(rollout), "failure": dashboard.failure_rate(rollout),
    }


def live_section() -> dict:
    live = dashboard.live_rollouts(LIVE_ROLLOUTS_SHOWN)
    return {"rows": [_rollout_row(rollout) for rollout in live.rollouts], "running": live.running,
            "paused": live.paused, "running_url": changelist("rollouts_rollout", state__exact=RolloutState.RUNNING),
            "paused_url": changelist("rollouts_rollout", state__exact=RolloutState.PAUSED)}


def attention_section(user) -> dict:
    found = dashboard.attention(ATTENTION_ITEMS_SHOWN, now=timezone.now())
    section = {"since": found.since}
    if user.has_perm("rollouts.view_rollout"):
        section["auto_paused"] = {
            "rows": [{"rollout": rollout, "url": progress_url(rollout)} for rollout in found.auto_paused],
            "total": found.auto_paused_total,
            "url": changelist("rollouts_rollout", state__exact=RolloutState.PAUSED, paused_by="auto_paused"),
        }
    if user.has_perm("catalog.view_artifact"):
        section["failed_artifacts"] = {
            "rows": [{"artifact": artifact, "release": artifact.release_of,
                      "url": reverse("admin:catalog_artifact_change", args=[quote(artifact.pk)])}
                     for artifact in found.failed_artifacts],
            "total": found.failed_artifacts_total, "url": changelist("catalog_artifact", state__exact="failed"),
        }
    if user.has_perm("rollouts.view_deviceupdate"):
        section["failing"] = {
            "rows": [{"release": row, "url": update_list(outcome="failure", finished="24h", release=row.release_id)}
                     for row in found.failing],
            "total": found.failing_devices, "url": update_list(outcome="failure", finished="24h"),
        }
    return section


def dashboard_context(request) -> dict:
    """The dashboard's sections this user may see (an empty dict: nothing to show)."""
    user = request.user
    context = {}
    if user.has_perm("devices.view_device"):
        context["fleet"] = fleet_section()
    if user.has_perm("rollouts.view_rollout"):
        context["live"] = live_section()
    attention = attention_section(user)
    shown = [attention[name]["total"] for name in ("auto_paused", "failed_artifacts", "failing") if name in attention]
    if shown:
        context["attention"] = {**attention, "nothing": not any(shown)}
    return context
