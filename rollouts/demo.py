"""The rollouts' part of the demo data: a filter and two rollouts to watch in the admin.

- default 1.1.0 rolls out generally in phases 10 % → 50 % → 100 %;
- display-app 2.1.0 is targeted at the European devices.
Idempotent: a rollout that was started already is left as it is.
"""

from datetime import timedelta
from decimal import Decimal

from catalog.demo import DISPLAY_MODULE, PRODUCT_KEY
from catalog.models import Release
from rollouts.models import DeviceFilter, RolloutState, Strategy
from rollouts.services import transitions
from rollouts.services.filters import save_filter
from rollouts.services.transitions import FilterSpec, PhaseSpec

EU_FILTER = "Demo: thermostats in Europe"


def _eu_filter() -> DeviceFilter:
    existing = DeviceFilter.objects.filter(name=EU_FILTER).first()
    return existing or save_filter(None, name=EU_FILTER, description="Demo devices whose region is eu.",
                                   conditions=[{"field": "attributes.region", "op": "eq", "value": "eu"}])


def _start_once(module: str, version: str, **policy) -> bool:
    rollout = Release.objects.get(product__key=PRODUCT_KEY, module__name=module, version=version).rollout
    if rollout.state != RolloutState.DRAFT:
        return False
    transitions.start(rollout, **policy)
    return True


def load(out, base_url: str):
    eu = _eu_filter()
    phases = [PhaseSpec(Decimal(10), min_soak=timedelta(hours=1)), PhaseSpec(Decimal(50), timedelta(hours=4)),
              PhaseSpec(Decimal(100))]
    started = _start_once("default", "1.1.0", strategy=Strategy.GENERAL, phases=phases)
    started |= _start_once(DISPLAY_MODULE, "2.1.0", strategy=Strategy.TARGETED, filters=[FilterSpec(eu)])
    out.write("Rollouts started: default 1.1.0 in phases, display-app 2.1.0 for Europe."
              if started else "Demo rollouts already running.")
