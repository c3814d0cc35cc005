from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.choices import ArtifactState, PackageType
from catalog.models import Artifact, Module
from rollouts import buckets
from rollouts.decision import Report, decide, explain
from rollouts.models import DeviceUpdate, RolloutState, Strategy, UpdateStatus, UpdateType
from rollouts.services import transitions
from rollouts.services.transitions import FilterSpec, PhaseSpec
from tests.factories import DeviceFactory, ReleaseFactory
from tests.rollouts.factories import DeviceFilterFactory

pytestmark = pytest.mark.django_db

EU = [{"field": "attributes.region", "op": "eq", "value": "eu"}]


def offered_version(device, report=None):
    decision = decide(device, report)
    return decision.release.version if decision else None


def failed_rules(device, release):
    return [result.rule for result in explain(device, release).results if not result.passed]


# --- strategies -------------------------------------------------------------------------------

def test_a_new_release_is_a_suspended_draft_offered_to_nobody(product, device):
    release = ReleaseFactory(product=product, version="2.0.0")

    assert (release.rollout.strategy, release.rollout.state) == (Strategy.SUSPENDED, RolloutState.DRAFT)
    assert offered_version(device) is None
    assert failed_rules(device, release) == ["strategy", "rollout state"]


def test_a_general_release_is_offered_to_every_device_the_upgrade_graph_allows(offerable_release, device):
    offerable_release("2.0.0")

    assert offered_version(device) == "2.0.0"


def test_a_targeted_release_is_offered_to_a_device_matching_a_filter_whose_date_passed(offerable_release, device):
    device.attributes = {"region": "eu"}
    device.save()
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    yesterday = timezone.now() - timedelta(days=1)

    transitions.start(release.rollout, strategy=Strategy.TARGETED,
                      filters=[FilterSpec(DeviceFilterFactory(conditions=EU), yesterday)])

    assert offered_version(device) == "2.0.0"


def test_a_targeted_release_waits_for_the_filters_rollout_date(offerable_release, device):
    device.attributes = {"region": "eu"}
    device.save()
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    tomorrow = timezone.now() + timedelta(days=1)

    transitions.start(release.rollout, strategy=Strategy.TARGETED,
                      filters=[FilterSpec(DeviceFilterFactory(conditions=EU), tomorrow)])

    assert offered_version(device) is None
    assert decide(device, now=tomorrow + timedelta(seconds=1)) is not None
    assert "rollout date has not come" in explain(device, release).failed[0].detail


def test_a_targeted_release_skips_devices_matching_no_filter(offerable_release, device):
    device.attributes = {"region": "us"}
    device.save()
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)

    transitions.start(release.rollout, strategy=Strategy.TARGETED, filters=[FilterSpec(DeviceFilterFactory(
        conditions=EU))])

    assert offered_version(device) is None
    assert failed_rules(device, release) == ["filters"]


def test_one_matching_filter_among_several_is_enough(offerable_release, device):
    device.tags = ["beta"]
    device.save()
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    beta = DeviceFilterFactory(conditions=[{"field": "tags", "op": "contains", "value": "beta"}])

    transitions.start(release.rollout, strategy=Strategy.TARGETED,
                      filters=[FilterSpec(DeviceFilterFactory(conditions=EU)), FilterSpec(beta)])

    assert offered_version(device) == "2.0.0"


# --- release and file rules -------------------------------------------------------------------

def test_a_deprecated_release_is_not_offered(offerable_release, device):
    release = offerable_release("2.0.0")

    release.deprecate("bricks devices")

    assert offered_version(device) is None
    assert failed_rules(device, release) == ["release active"]


@pytest.mark.parametrize("state", [ArtifactState.PENDING, ArtifactState.VERIFYING, ArtifactState.FAILED])
def test_an_unverified_artifact_is_never_offered(offerable_release, device, state):
    release = offerable_release("2.0.0")

    artifact = Artifact.objects.get(release=release)
    artifact.state = state
    artifact.save()

    assert offered_version(device) is None
    assert failed_rules(device, release) == ["file"]


def test_a_release_without_any_file_is_offered_with_its_specification(offerable_release, device):
    offerable_release("2.0.0", artifact=False, specification={"config": {"mode": "eco"}})

    decision = decide(device)

    assert decision.release.artifact_id is None
    assert decision.release.specification == {"config": {"mode": "eco"}}


def test_skip_dispatching_to_endpoint_waits_for_a_verified_file(offerable_release, device):
    release = offerable_release("2.0.0", artifact=False)

    transitions.set_policy(release.rollout, skip_dispatching_to_endpoint=True)

    assert offered_version(device) is None
    assert "skipDispatchingToEndpoint" in explain(device, release).failed[0].detail


def test_skip_dispatching_to_endpoint_offers_once_the_file_is_verified(offerable_release, device):
    from tests.fixtures.rollouts import attach_verified_artifact

    release = offerable_release("2.0.0", artifact=False)
    transitions.set_policy(release.rollout, skip_dispatching_to_endpoint=True)

    attach_verified_artifact(release)

    assert offered_version(device) == "2.0.0"


# --- rollout state ----------------------------------------------------------------------------

def test_a_paused_rollout_is_not_offered(offerable_release, device):
    release = offerable_release("2.0.0")

    transitions.pause(release.rollout, "checking reports")

    assert offered_version(device) is None
    assert "checking reports" in explain(device, release).failed[0].detail


def test_an_aborted_rollout_is_not_offered(offerable_release, device):
    release = offerable_release("2.0.0")

    transitions.abort(release.rollout, "bad build")

    assert failed_rules(device, release) == ["rollout state"]


# --- upgrade graph ----------------------------------------------------------------------------

def test_a_device_already_running_the_version_gets_nothing(offerable_release, device):
    release = offerable_release("1.0.0")

    assert offered_version(device) is None
    assert failed_rules(device, release) == ["newer version"]


def test_an_older_version_is_never_offered(offerable_release, device):
    offerable_release("0.9.0")

    assert offered_version(device) is None


def test_the_highest_eligible_version_wins(offerable_release, device):
    offerable_release("1.9.0")
    offerable_release("1.10.0")
    offerable_release("1.2.0")

    assert offered_version(device) == "1.10.0"


def test_a_device_not_reporting_the_module_gets_nothing(offerable_release, device):
    module = Module.objects.create(product=device.product, name="modem")
    release = offerable_release("2.0.0", module=module)

    assert failed_rules(device, release) == ["newer version"]


def test_a_listed_source_version_is_required(offerable_release, device):
    release = offerable_release("2.0.0", allowed_source_versions=["1.1.0", "1.2.0"])

    assert offered_version(device) is None
    assert failed_rules(device, release) == ["source version"]
    assert offered_version(device, Report(modules={"default": "1.2.0"})) == "2.0.0"


def test_a_lower_version_is_offered_when_the_higher_one_needs_another_source(offerable_release, device):
    offerable_release("3.0.0", allowed_source_versions=["2.0.0"])
    offerable_release("2.0.0")

    assert offered_version(device) == "2.0.0"


@pytest.mark.parametrize("agent, offered", [("1.4.9", False), ("1.5.0", True), ("1.10.0", True), ("", False)])
def test_the_minimum_agent_version_is_enforced(offerable_release, device, agent, offered):
    offerable_release("2.0.0", min_agent_version="1.5")

    assert (offered_version(device, Report(agent_version=agent)) == "2.0.0") is offered


# --- phases -----------------------------------------------------------------------------------

def test_a_device_outside_the_phase_percentage_waits(offerable_release, product):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(10), PhaseSpec(100)])
    uids = [f"unit-{n}" for n in range(300)]
    outside = next(uid for uid in uids if buckets.bucket_of(release.pk, uid) >= buckets.buckets_for(10))
    inside = next(uid for uid in uids if buckets.bucket_of(release.pk, uid) < buckets.buckets_for(10))

    waiting, lucky = DeviceFactory(product=product, uid=outside), DeviceFactory(product=product, uid=inside)

    assert offered_version(waiting) is None
    assert failed_rules(waiting, release) == ["phase"]
    assert offered_version(lucky) == "2.0.0"


def test_advancing_the_phase_reaches_devices_that_waited(offerable_release, product):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(10), PhaseSpec(100)])
    outside = next(uid for uid in (f"unit-{n}" for n in range(300))
                   if buckets.bucket_of(release.pk, uid) >= buckets.buckets_for(10))
    waiting = DeviceFactory(product=product, uid=outside)

    transitions.advance_phase(release.rollout, force=True)

    assert offered_version(waiting) == "2.0.0"


def test_the_decision_reaches_the_phase_share_of_10000_simulated_devices(offerable_release, product):
    """The real decision (rules, cached policy) on unsaved devices; only their updates are read."""
    from devices.models import Device

    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[PhaseSpec(25), PhaseSpec(100)])
    devices = [Device(uid=f"sim-{n:05d}", product=product, agent_version="1.5.0",
                      installed_versions={"default": "1.0.0"}) for n in range(10_000)]

    offered = sum(decide(device) is not None for device in devices)

    assert abs(offered - 2500) <= 200


# --- the device's own history -----------------------------------------------------------------

@pytest.mark.parametrize("status", [UpdateStatus.INSTALLED, UpdateStatus.COMMITTED, UpdateStatus.FAILED,
                                    UpdateStatus.ROLLED_BACK, UpdateStatus.REJECTED])
def test_a_device_that_finished_or_failed_the_release_is_not_offered_it_again(offerable_release, device, status):
    release = offerable_release("2.0.0")
    DeviceUpdate.objects.create(device=device, release=release, status=status)

    assert offered_version(device) is None
    assert failed_rules(device, release) == ["not done"]


def test_a_device_that_failed_the_highest_version_is_offered_the_next_one(offerable_release, device):
    offerable_release("1.5.0")
    broken = offerable_release("2.0.0")
    DeviceUpdate.objects.create(device=device, release=broken, status=UpdateStatus.FAILED)

    assert offered_version(device) == "1.5.0"


def test_an_update_in_progress_is_offered_again_with_the_same_update(offerable_release, device):
    release = offerable_release("2.0.0")
    update = DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.DOWNLOADING)

    assert decide(device).update == update


# --- several modules --------------------------------------------------------------------------

def test_the_most_urgent_module_is_offered_first(offerable_release, device):
    app = Module.objects.create(product=device.product, name="app")
    modem = Module.objects.create(product=device.product, name="modem")
    device.installed_versions = {"default": "1.0.0", "app": "1.0.0", "modem": "1.0.0"}
    device.save()
    software = offerable_release("2.0.0", module=app, package_type=PackageType.SOFTWARE)
    module_package = offerable_release("2.0.0", module=modem, package_type=PackageType.MODULE)
    firmware = offerable_release("2.0.0", package_type=PackageType.FIRMWARE)
    transitions.set_policy(firmware.rollout, update_type=UpdateType.SOFT)

    order = []
    for _ in range(3):
        decision = decide(device)
        order.append(decision.release.module)
        DeviceUpdate.objects.create(device=device, release_id=decision.release.release_id,
                                    status=UpdateStatus.COMMITTED)

    assert order == ["modem", "app", "default"]
    assert {software.pk, module_package.pk, firmware.pk} == set(
        DeviceUpdate.objects.values_list("release_id", flat=True))


# --- explain ----------------------------------------------------------------------------------

def test_explain_lists_every_rule_passing_for_an_offered_release(offerable_release, device):
    release = offerable_release("2.0.0")

    explanation = explain(device, release)

    assert explanation.offered is True
    assert [result.rule for result in explanation.results] == [
        "product", "release active", "file", "strategy", "rollout state", "newer version", "source version",
        "agent version", "filters", "phase", "not done", "highest version", "maintenance window"]


def test_explain_says_when_a_higher_version_wins(offerable_release, device):
    lower = offerable_release("1.5.0")
    offerable_release("2.0.0")

    explanation = explain(device, lower)

    assert explanation.offered is False
    assert explanation.failed[0].rule == "highest version"
    assert "2.0.0" in explanation.failed[0].detail


def test_explain_refuses_a_release_of_another_product(offerable_release, device):
    release = ReleaseFactory(version="2.0.0")

    assert "product" in failed_rules(device, release)


def test_explain_and_decide_agree_over_a_mixed_fleet(offerable_release, product):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED, min_agent_version="1.2",
                                allowed_source_versions=["1.0.0", "1.1.0"])
    transitions.start(release.rollout, strategy=Strategy.TARGETED, phases=[PhaseSpec(50)],
                      filters=[FilterSpec(DeviceFilterFactory(conditions=EU))])
    fleet = [DeviceFactory(product=product, uid=f"mix-{n}", agent_version=["1.0", "1.5.0"][n % 2],
                           attributes={"region": ["eu", "us", "eu"][n % 3]},
                           installed_versions={"default": ["1.0.0", "1.1.0", "1.2.0", "2.0.0"][n % 4]})
             for n in range(60)]

    for device in fleet:
        assert (decide(device) is not None) is explain(device, release).offered, device.uid
    assert 0 < sum(decide(device) is not None for device in fleet) < len(fleet)
