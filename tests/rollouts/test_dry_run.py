from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.choices import ArtifactState
from devices.models import Device
from rollouts.decision import decide, explain
from rollouts.models import DeviceUpdate, RolloutEvent, Strategy, UpdateStatus
from rollouts.services import transitions
from rollouts.services.dry_run import dry_run
from rollouts.services.transitions import FilterSpec, PhaseSpec
from tests.rollouts.factories import DeviceFilterFactory

pytestmark = pytest.mark.django_db

VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "2.0.0", "weird"]


@pytest.fixture
def fleet(product):
    Device.objects.bulk_create([
        Device(uid=f"unit-{n:04d}", product=product, agent_version=["1.0", "1.5.0", ""][n % 3],
               attributes={"region": ["eu", "us"][n % 2]}, installed_versions={"default": VERSIONS[n % 5]})
        for n in range(600)
    ])
    return list(Device.objects.select_related("product"))


def offered_in_python(fleet, release):
    return sum(explain(device, release).offered for device in fleet)


def test_the_dry_run_counts_what_the_decision_would_offer(offerable_release, fleet):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED, min_agent_version="1.2",
                                allowed_source_versions=["1.0.0", "1.1.0", "weird"])
    transitions.start(release.rollout, strategy=Strategy.TARGETED, phases=[PhaseSpec(30), PhaseSpec(100)],
                      filters=[FilterSpec(DeviceFilterFactory(conditions=[
                          {"field": "attributes.region", "op": "eq", "value": "eu"}]))])

    result = dry_run(release)

    assert result.total == offered_in_python(fleet, release) > 0
    assert result.percentage == 30


def test_the_dry_run_breaks_counts_down_by_installed_version_and_phase(offerable_release, fleet):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(10), PhaseSpec(50)])

    result = dry_run(release, percentage=50)

    assert {row.installed_version for row in result.rows} == {"1.0.0", "1.1.0", "1.2.0", "weird"}
    assert {row.phase for row in result.rows} == {0, 1}
    assert {row.product for row in result.rows} == {"thermostat"}
    early = sum(row.devices for row in result.rows if row.phase == 0)
    assert early == dry_run(release, phase=0).total


def test_a_suspended_rollout_is_previewed_as_it_would_start(offerable_release, fleet):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)

    result = dry_run(release, percentage=100)

    assert result.strategy == Strategy.GENERAL
    assert result.total == 480  # all but those on 2.0.0 ("weird" sorts before numbered versions)


def test_a_widening_dry_run_matches_the_decision_after_widening(offerable_release, fleet):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(5), PhaseSpec(40)])

    predicted = dry_run(release, phase=1).total
    transitions.advance_phase(release.rollout, force=True)

    assert predicted == sum(decide(device) is not None for device in fleet)


def test_devices_that_finished_the_release_are_not_counted(offerable_release, fleet):
    release = offerable_release("2.0.0")
    before = dry_run(release).total
    candidate = next(device for device in fleet if decide(device) is not None)

    DeviceUpdate.objects.create(device=candidate, release=release, status=UpdateStatus.FAILED)

    assert dry_run(release).total == before - 1


def test_future_filter_dates_do_not_count_yet(offerable_release, fleet):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    tomorrow = timezone.now() + timedelta(days=1)
    transitions.start(release.rollout, strategy=Strategy.TARGETED, filters=[FilterSpec(DeviceFilterFactory(), tomorrow)])

    assert dry_run(release).total == 0
    assert dry_run(release, now=tomorrow + timedelta(minutes=1)).total == 480


def test_release_rules_that_fail_are_reported_as_blockers(offerable_release, fleet):
    release = offerable_release("2.0.0")
    release.artifact.state = ArtifactState.FAILED
    release.artifact.save()

    assert dry_run(release).blockers == ["file: the artifact is failed, not verified"]


def test_a_dry_run_writes_nothing(offerable_release, fleet):
    release = offerable_release("2.0.0")
    events = RolloutEvent.objects.count()

    with CaptureQueriesContext(connection) as queries:
        dry_run(release, percentage=50)

    assert not [q for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert RolloutEvent.objects.count() == events and not DeviceUpdate.objects.exists()


def test_an_unknown_phase_is_refused(offerable_release):
    release = offerable_release("2.0.0")

    with pytest.raises(ValueError):
        dry_run(release, phase=3)


def test_the_python_count_for_databases_without_json_operators_agrees_with_sql(offerable_release, fleet):
    # The embedded SQLite default counts in Python; both ways must give the same answer.
    from rollouts import policy
    from rollouts.services.dry_run import _count_in_python, _count_in_sql

    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED, min_agent_version="1.2")
    transitions.start(release.rollout, strategy=Strategy.TARGETED, phases=[PhaseSpec(30), PhaseSpec(100)],
                      filters=[FilterSpec(DeviceFilterFactory(conditions=[
                          {"field": "attributes.region", "op": "eq", "value": "eu"}]))])
    release_policy, now = policy.for_release(release), timezone.now()

    in_python = _count_in_python(release_policy, Strategy.TARGETED, 100, now)

    assert in_python == _count_in_sql(release_policy, Strategy.TARGETED, 100, now)
    assert sum(in_python.values()) > 0
