"""``generate``: grow a simulated fleet to its spec (see rollouts.simulation)."""

from collections.abc import Callable

from django.db import connection, transaction

from catalog.models import Release
from devices.models import Device
from rollouts import policy
from rollouts.models import DeviceUpdate, Rollout, RolloutFilter, RolloutPhase
from rollouts.simulation import catalog_rows, device_rows
from rollouts.simulation.profiles import FleetReport, FleetSpec


def _analyze() -> None:
    """Fresh planner statistics: a benchmark right after a big COPY must not run on empty-table plans."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Device, DeviceUpdate, Release, Rollout, RolloutPhase, RolloutFilter):
                cursor.execute(f"ANALYZE {model._meta.db_table}")


def generate(spec: FleetSpec, progress: Callable[[int, int], None] | None = None) -> FleetReport:
    """Grow the fleet ``spec.name`` to the spec; ``progress(done, total)`` is called after each device batch.

    No per-row signals run (rows are bulk-written): the rollout rows a release's ``post_save`` would
    make are written by catalog_rows, and the cached rollout policy of the fleet's products is
    dropped at the end.
    """
    report = FleetReport()
    with transaction.atomic():
        products = catalog_rows.ensure_products(spec)
        filters = catalog_rows.ensure_filters(spec, report)
        releases = catalog_rows.ensure_releases(spec, products, report)
        running = catalog_rows.shape_rollouts(spec, releases, filters)
    running = list(Rollout.objects.filter(pk__in=[r.pk for r in running]).select_related("release__module"))
    device_rows.add_devices(spec, products, running, report, progress)
    policy.invalidate(*[product.pk for product in products])
    _analyze()
    report.releases_total = len(releases)
    report.running_rollouts = len(running)
    return report
