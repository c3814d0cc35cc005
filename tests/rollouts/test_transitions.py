from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Release
from catalog.services.releases import deprecate_release
from devices.models import Device
from rollouts.models import DeviceUpdate, EventKind, Rollout, RolloutState, Strategy, UpdateStatus
from rollouts.services import transitions
from rollouts.services.transitions import FilterSpec, PhaseSpec, TransitionError
from rollouts.tasks import advance_due_phases
from tests.factories import ReleaseFactory
from tests.rollouts.factories import DeviceFilterFactory

pytestmark = pytest.mark.django_db

THREE_PHASES = [PhaseSpec(1, timedelta(hours=1)), PhaseSpec(10, timedelta(hours=1)), PhaseSpec(100)]


@pytest.fixture
def rollout(product):
    return ReleaseFactory(product=product, version="2.0.0").rollout


def kinds(rollout):
    return list(rollout.events.order_by("created_at", "id").values_list("kind", flat=True))


def test_every_release_gets_a_suspended_rollout_when_created(product):
    release = ReleaseFactory(product=product)

    assert Rollout.objects.get(release=release).strategy == Strategy.SUSPENDED


def test_the_migration_backfills_rollouts_of_releases_that_had_none(product):
    from importlib import import_module

    from django.apps import apps

    release = ReleaseFactory(product=product)
    Rollout.objects.filter(release=release).delete()
    migration = import_module("rollouts.migrations.0003_backfill_rollouts_and_fleet_indexes")

    migration.backfill_rollouts(apps, None)

    assert Rollout.objects.filter(release=release).exists()


def test_start_sets_strategy_filters_and_phases_and_records_an_event(rollout):
    eu = DeviceFilterFactory(name="eu")

    rollout = transitions.start(rollout, strategy=Strategy.TARGETED, filters=[FilterSpec(eu)],
                                phases=THREE_PHASES)

    assert (rollout.strategy, rollout.state, rollout.current_phase) == (Strategy.TARGETED, RolloutState.RUNNING, 0)
    assert list(rollout.phases.values_list("percentage", flat=True)) == [1, 10, 100]
    assert list(rollout.filters.all()) == [eu]
    assert kinds(rollout) == [EventKind.STARTED]


def test_starting_writes_nothing_per_device(rollout, product):
    Device.objects.bulk_create([Device(uid=f"d{n}", product=product) for n in range(200)])

    with CaptureQueriesContext(connection) as queries:
        transitions.start(rollout, strategy=Strategy.GENERAL, phases=THREE_PHASES)

    assert not DeviceUpdate.objects.exists()
    assert not any("devices_device" in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("phases, key", [
    ([PhaseSpec(50), PhaseSpec(10)], "phases[1].percentage"),
    ([PhaseSpec(0)], "phases[0].percentage"),
    ([PhaseSpec(101)], "phases[0].percentage"),
    ([PhaseSpec("1.234")], "phases[0].percentage"),
    ([PhaseSpec(10, failure_threshold=-1)], "phases[0].failure_threshold"),
    ([PhaseSpec(10, timedelta(seconds=-1))], "phases[0].min_soak"),
])
def test_bad_phases_are_refused_and_nothing_changes(rollout, phases, key):
    with pytest.raises(ValidationError) as raised:
        transitions.start(rollout, strategy=Strategy.GENERAL, phases=phases)

    assert key in raised.value.message_dict
    rollout.refresh_from_db()
    assert rollout.strategy == Strategy.SUSPENDED and not rollout.events.exists()


def test_a_filter_given_twice_is_refused(rollout):
    eu = DeviceFilterFactory()

    with pytest.raises(ValidationError):
        transitions.start(rollout, strategy=Strategy.TARGETED, filters=[FilterSpec(eu), FilterSpec(eu)])


def test_a_rollout_cannot_start_suspended(rollout):
    with pytest.raises(ValidationError):
        transitions.start(rollout, strategy=Strategy.SUSPENDED)


def test_advance_waits_for_the_soak_time(rollout):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL, phases=THREE_PHASES)

    with pytest.raises(TransitionError, match="soaks until"):
        transitions.advance_phase(rollout)


def test_advance_waits_for_the_success_threshold(rollout, product):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL, phases=THREE_PHASES)
    Rollout.objects.filter(pk=rollout.pk).update(phase_started_at=timezone.now() - timedelta(hours=2))
    device = Device.objects.create(uid="d1", product=product)
    DeviceUpdate.objects.create(device=device, release=rollout.release, status=UpdateStatus.FAILED)

    with pytest.raises(TransitionError, match="succeeded"):
        transitions.advance_phase(rollout)


def test_advance_moves_on_once_soaked_and_successful(rollout, product):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL, phases=THREE_PHASES)
    Rollout.objects.filter(pk=rollout.pk).update(phase_started_at=timezone.now() - timedelta(hours=2))
    device = Device.objects.create(uid="d1", product=product)
    DeviceUpdate.objects.create(device=device, release=rollout.release, status=UpdateStatus.COMMITTED)

    rollout = transitions.advance_phase(rollout)

    assert rollout.current_phase == 1
    assert kinds(rollout)[-1] == EventKind.PHASE_ADVANCED


def test_a_forced_advance_skips_the_checks_and_says_so(rollout):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL, phases=THREE_PHASES)

    rollout = transitions.advance_phase(rollout, force=True)

    assert rollout.current_phase == 1
    assert "forced" in rollout.events.first().message


def test_advancing_past_the_last_phase_completes_the_rollout(rollout):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(50)])

    rollout = transitions.advance_phase(rollout, force=True)

    assert rollout.state == RolloutState.COMPLETED


def test_a_rollout_without_phases_does_not_advance(rollout):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL)

    with pytest.raises(TransitionError, match="no phases"):
        transitions.advance_phase(rollout, force=True)


def test_pause_and_resume_record_the_reason(rollout):
    rollout = transitions.start(rollout, strategy=Strategy.GENERAL)

    rollout = transitions.pause(rollout, "watching crash reports")
    assert (rollout.state, rollout.state_reason) == (RolloutState.PAUSED, "watching crash reports")
    rollout = transitions.resume(rollout)

    assert (rollout.state, rollout.state_reason) == (RolloutState.RUNNING, "")
    assert kinds(rollout) == [EventKind.STARTED, EventKind.PAUSED, EventKind.RESUMED]


def test_pausing_twice_is_harmless(rollout):
    rollout = transitions.pause(transitions.start(rollout, strategy=Strategy.GENERAL), "one")

    transitions.pause(rollout, "two")

    rollout.refresh_from_db()
    assert rollout.state_reason == "one"


def test_an_aborted_rollout_cannot_resume_or_pause(rollout):
    rollout = transitions.abort(transitions.start(rollout, strategy=Strategy.GENERAL), "bad build")

    with pytest.raises(TransitionError):
        transitions.resume(rollout)
    with pytest.raises(TransitionError):
        transitions.pause(rollout, "x")


def test_abort_needs_a_reason(rollout):
    with pytest.raises(ValidationError):
        transitions.abort(rollout, "  ")


def test_abort_withdraws_offers_not_yet_installing(rollout, product):
    statuses = [UpdateStatus.OFFERED, UpdateStatus.DOWNLOADED, UpdateStatus.INSTALLING, UpdateStatus.COMMITTED]
    for index, status in enumerate(statuses):
        device = Device.objects.create(uid=f"d{index}", product=product)
        DeviceUpdate.objects.create(device=device, release=rollout.release, status=status)

    transitions.abort(rollout, "bad build")

    assert list(DeviceUpdate.objects.order_by("device__uid").values_list("status", flat=True)) == [
        UpdateStatus.CANCELED, UpdateStatus.CANCELED, UpdateStatus.INSTALLING, UpdateStatus.COMMITTED]
    assert "2 open offers canceled" in rollout.events.first().message


def test_deprecating_a_release_withdraws_its_offers_not_yet_installing(rollout, product):
    statuses = [UpdateStatus.OFFERED, UpdateStatus.DOWNLOADING, UpdateStatus.INSTALLING, UpdateStatus.INSTALLED]
    for index, status in enumerate(statuses):
        device = Device.objects.create(uid=f"d{index}", product=product)
        DeviceUpdate.objects.create(device=device, release=rollout.release, status=status)

    deprecate_release(rollout.release, "boot loop on rev-a boards")

    updates = DeviceUpdate.objects.order_by("device__uid")
    assert list(updates.values_list("status", flat=True)) == [
        UpdateStatus.CANCELED, UpdateStatus.CANCELED, UpdateStatus.INSTALLING, UpdateStatus.INSTALLED]
    assert updates.first().reason == "release deprecated: boot loop on rev-a boards"
    assert "2 open offers canceled" in rollout.events.first().message


def test_saving_a_deprecated_release_again_changes_nothing_more(rollout, product):
    device = Device.objects.create(uid="d1", product=product)
    DeviceUpdate.objects.create(device=device, release=rollout.release, status=UpdateStatus.OFFERED)
    deprecate_release(rollout.release, "bad build")
    events = rollout.events.count()

    rollout.release.save()

    assert rollout.events.count() == events


def test_a_restarted_rollout_runs_again_from_the_first_phase(rollout):
    rollout = transitions.abort(transitions.start(rollout, strategy=Strategy.GENERAL, phases=THREE_PHASES), "x")

    rollout = transitions.start(rollout, strategy=Strategy.GENERAL)

    assert (rollout.state, rollout.current_phase, rollout.state_reason) == (RolloutState.RUNNING, 0, "")


def test_the_periodic_task_advances_only_phases_that_are_due(product):
    device = Device.objects.create(uid="d1", product=product)
    due, fresh = (transitions.start(ReleaseFactory(product=product).rollout, strategy=Strategy.GENERAL,
                                    phases=THREE_PHASES) for _ in range(2))
    for rollout in (due, fresh):
        DeviceUpdate.objects.create(device=device, release=rollout.release, status=UpdateStatus.COMMITTED)
    Rollout.objects.filter(pk=due.pk).update(phase_started_at=timezone.now() - timedelta(hours=2))

    assert advance_due_phases.run() == 1

    due.refresh_from_db(), fresh.refresh_from_db()
    assert (due.current_phase, fresh.current_phase) == (1, 0)


def test_the_periodic_task_is_scheduled():
    from django.conf import settings

    assert any(entry["task"] == "rollouts.tasks.advance_due_phases"
               for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_transitions_of_one_release_leave_other_rollouts_alone(product):
    first, second = (ReleaseFactory(product=product).rollout for _ in range(2))

    transitions.start(first, strategy=Strategy.GENERAL)

    assert Release.objects.get(pk=second.release_id).rollout.strategy == Strategy.SUSPENDED
