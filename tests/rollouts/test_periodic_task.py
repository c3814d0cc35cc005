from datetime import timedelta

import pytest
from django.utils import timezone

from devices.models import Device
from rollouts.models import DeviceUpdate, EventKind, Rollout, Strategy, UpdateStatus
from rollouts.services import transitions
from rollouts.tasks import advance_due_phases
from tests.factories import ReleaseFactory
from tests.fixtures.services import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_worker_running_the_periodic_task_advances_a_due_phase(celery_worker, product):
    release = ReleaseFactory(product=product, version="2.0.0")
    rollout = transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[
        transitions.PhaseSpec(10, timedelta(minutes=30)), transitions.PhaseSpec(100)])
    DeviceUpdate.objects.create(device=Device.objects.create(uid="d1", product=product), release=release,
                                status=UpdateStatus.COMMITTED)
    Rollout.objects.filter(pk=rollout.pk).update(phase_started_at=timezone.now() - timedelta(hours=1))

    advance_due_phases.delay()

    wait_for(lambda: Rollout.objects.get(pk=rollout.pk).current_phase == 1, message="the phase to advance")
    assert rollout.events.filter(kind=EventKind.PHASE_ADVANCED).count() == 1
