"""The fleet generator behind the benchmarks: realistic, deterministic, idempotent, and growable."""

from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from catalog.choices import ArtifactState
from catalog.models import Artifact, Product, Release
from devices import tokens
from devices.models import Device
from rollouts import simulation
from rollouts.models import DeviceFilter, DeviceUpdate, Rollout, RolloutFilter, RolloutPhase, RolloutState, Strategy
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def simulate(*args):
    call_command("simulate_fleet", "--no-progress", *args)


def fleet_devices(name="sim"):
    return Device.objects.filter(uid__startswith=f"{name}-")


def test_it_creates_the_devices_releases_filters_and_rollouts_asked_for():
    simulate("--devices", "300", "--releases", "12", "--rollouts", "5", "--filters", "7", "--products", "3")

    assert fleet_devices().count() == 300
    assert Product.objects.filter(key__startswith="sim-").count() == 3
    assert Release.objects.filter(product__key__startswith="sim-").count() == 12
    assert DeviceFilter.objects.filter(name__startswith="sim-filter-").count() == 7
    assert Rollout.objects.filter(release__product__key__startswith="sim-").count() == 12
    running = Rollout.objects.filter(release__product__key__startswith="sim-").exclude(strategy=Strategy.SUSPENDED)
    assert running.count() == 5
    assert all(rollout.state == RolloutState.RUNNING for rollout in running)


def test_every_simulated_release_has_a_verified_artifact():
    simulate("--devices", "10", "--releases", "6")

    artifacts = Artifact.objects.filter(release__product__key__startswith="sim-")
    assert artifacts.count() == 6
    assert set(artifacts.values_list("state", flat=True)) == {ArtifactState.VERIFIED}


def test_running_rollouts_have_phases_and_targeted_ones_have_filters():
    simulate("--devices", "10", "--releases", "20", "--rollouts", "10")

    running = Rollout.objects.exclude(strategy=Strategy.SUSPENDED)
    assert RolloutPhase.objects.filter(rollout__in=running).count() == 10 * len(simulation.PHASES)
    targeted = running.filter(strategy=Strategy.TARGETED)
    assert targeted.exists()
    assert set(RolloutFilter.objects.values_list("rollout", flat=True)) == set(targeted.values_list("pk", flat=True))


def test_devices_are_spread_over_products_regions_agents_and_installed_versions():
    simulate("--devices", "2000", "--releases", "10", "--products", "3")

    devices = list(fleet_devices())
    assert len(Counter(device.product_id for device in devices)) == 3
    regions = Counter(device.attributes["region"] for device in devices)
    assert set(regions) == set(simulation.REGIONS)
    assert len({device.agent_version for device in devices}) == len(simulation.AGENT_VERSIONS)
    installed = Counter(device.installed_versions["default"] for device in devices)
    assert installed.most_common(1)[0][0] == "1.0.0"  # most devices run the oldest version
    assert set(installed) == {"1.0.0", "1.1.0", "1.2.0"}
    assert any(device.tags for device in devices)


def test_some_devices_have_updates_of_their_own_products_running_rollouts():
    simulate("--devices", "2000", "--releases", "10")

    updates = DeviceUpdate.objects.select_related("device", "release__rollout")
    assert 40 <= updates.count() <= 200  # about 5 %
    assert all(update.device.product_id == update.release.product_id for update in updates)
    assert all(update.release.rollout.strategy != Strategy.SUSPENDED for update in updates)
    assert len({update.status for update in updates}) > 3


def test_a_derived_token_authenticates_its_device():
    simulate("--devices", "20")

    device = tokens.authenticate(simulation.device_token("sim", 17))

    assert device is not None
    assert device.uid == simulation.device_uid("sim", 17)


def test_the_stored_token_digest_is_not_the_plaintext():
    simulate("--devices", "3")

    device = Device.objects.get(uid=simulation.device_uid("sim", 1))
    assert simulation.device_token("sim", 1) not in (device.token_digest, device.token_prefix)


def test_running_it_again_changes_nothing():
    simulate("--devices", "200", "--releases", "8")
    before = (fleet_devices().count(), Release.objects.count(), DeviceUpdate.objects.count(),
              DeviceFilter.objects.count(), RolloutPhase.objects.count())

    simulate("--devices", "200", "--releases", "8")

    after = (fleet_devices().count(), Release.objects.count(), DeviceUpdate.objects.count(),
             DeviceFilter.objects.count(), RolloutPhase.objects.count())
    assert after == before


def test_bigger_numbers_add_only_what_is_missing():
    simulate("--devices", "100", "--releases", "6")
    first = Device.objects.get(uid=simulation.device_uid("sim", 0))

    simulate("--devices", "250", "--releases", "9")

    assert fleet_devices().count() == 250
    assert Release.objects.count() == 9
    assert Device.objects.get(uid=simulation.device_uid("sim", 0)).pk == first.pk


def test_the_newest_releases_take_over_the_running_rollouts_when_the_catalogue_grows():
    simulate("--devices", "5", "--releases", "4", "--rollouts", "2")

    simulate("--devices", "5", "--releases", "8", "--rollouts", "2")

    running = Rollout.objects.exclude(strategy=Strategy.SUSPENDED).select_related("release")
    assert sorted(rollout.release.version for rollout in running) == ["1.1.0", "1.1.0"]


def test_prune_deletes_the_releases_beyond_the_number_asked_for():
    simulate("--devices", "500", "--releases", "12")

    simulate("--devices", "500", "--releases", "6", "--prune")

    assert Release.objects.count() == 6
    assert Rollout.objects.count() == 6
    assert not DeviceUpdate.objects.exclude(release__in=Release.objects.all()).exists()


def test_without_prune_fewer_releases_delete_nothing():
    simulate("--devices", "5", "--releases", "12")

    simulate("--devices", "5", "--releases", "6")

    assert Release.objects.count() == 12


def test_a_product_not_made_by_the_simulator_is_refused():
    ProductFactory(key="sim-gateway")

    with pytest.raises(CommandError, match="not made by simulate_fleet"):
        simulate("--devices", "5")

    assert not Device.objects.exists()


@pytest.mark.parametrize("args", [["--devices", "-1"], ["--devices", "5", "--products", "0"],
                                  ["--devices", "5", "--name", "no spaces"]])
def test_bad_numbers_are_refused(args):
    with pytest.raises(CommandError):
        simulate(*args)


def test_two_fleets_with_different_names_live_side_by_side():
    simulate("--devices", "30", "--name", "alpha")
    simulate("--devices", "40", "--name", "beta")

    assert fleet_devices("alpha").count() == 30
    assert fleet_devices("beta").count() == 40
    assert tokens.authenticate(simulation.device_token("beta", 39)).uid == "beta-00000039"


def test_bulk_create_writes_the_same_fleet_as_copy():
    simulation.generate(simulation.FleetSpec(devices=120, releases=6, name="copied", use_copy=True))
    simulation.generate(simulation.FleetSpec(devices=120, releases=6, name="created", use_copy=False))

    def shape(name):
        return sorted((d.uid.split("-", 1)[1], d.agent_version, tuple(sorted(d.installed_versions.items())),
                       d.attributes["region"]) for d in fleet_devices(name))

    assert shape("copied") == shape("created")
    assert (DeviceUpdate.objects.filter(device__uid__startswith="copied-").count()
            == DeviceUpdate.objects.filter(device__uid__startswith="created-").count() > 0)
