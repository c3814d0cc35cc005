from datetime import timedelta

import pytest
from django.urls import reverse

from rollouts.models import DeviceUpdate, Strategy
from rollouts.services import transitions
from tests.factories import DeviceFactory
from tests.rollouts.factories import DeviceFilterFactory


def page(name, rollout, *query):
    url = reverse(f"admin:rollouts_rollout_{name}", args=[rollout.pk])
    return f"{url}?{'&'.join(query)}" if query else url


@pytest.fixture
def running(offerable_release):
    """A rollout started general with two phases (10 % then 100 %), running phase 0."""
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    rollout = release.rollout
    transitions.set_policy(rollout, phases=[
        transitions.PhaseSpec(percentage=10, min_soak=timedelta(hours=1)),
        transitions.PhaseSpec(percentage=100),
    ])
    transitions.start(rollout, strategy=Strategy.GENERAL)
    rollout.refresh_from_db()
    return rollout


@pytest.fixture
def updates_of(product):
    """Factory: ``count`` devices with an update of the rollout's release in ``status``."""

    def make(rollout, status, count=1, reason="", phase=0, prefix="dev"):
        made = []
        for _ in range(count):
            device = DeviceFactory(product=product, installed_versions={"default": "1.0.0"})
            made.append(DeviceUpdate.objects.create(device=device, release=rollout.release, status=status,
                                                    reason=reason, phase=phase, from_version="1.0.0"))
        return made

    return make


@pytest.fixture
def beta_filter(db):
    return DeviceFilterFactory(name="beta", conditions=[{"field": "attributes.ring", "op": "eq", "value": "beta"}])

