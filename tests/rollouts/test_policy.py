import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from otaportal.edge import store
from rollouts import policy
from rollouts.decision import decide
from rollouts.models import Strategy
from rollouts.services import transitions
from tests.factories import DeviceFactory, ProductFactory
from tests.rollouts.factories import DeviceFilterFactory
from tests.rollouts.fleet import bulk_devices, bulk_releases

pytestmark = pytest.mark.django_db


def test_the_snapshot_is_built_in_four_queries_whatever_the_number_of_releases(product):
    bulk_releases(product, 300, started=100)

    with CaptureQueriesContext(connection) as queries:
        snapshot = policy.for_product(product.pk)

    assert len(snapshot.releases) == 100
    assert len(queries) == 4
    assert all(len(release.filters) == 2 and release.phase_percentage == 50 for release in snapshot.releases)


def test_a_cached_snapshot_costs_no_query(product):
    bulk_releases(product, 20)
    policy.for_product(product.pk)

    with CaptureQueriesContext(connection) as queries:
        policy.for_product(product.pk)

    assert len(queries) == 0


def test_the_snapshot_holds_plain_data_not_model_instances(product, offerable_release):
    offerable_release("2.0.0")

    release = policy.for_product(product.pk).releases[0]

    assert type(release).__module__ == "rollouts.policy"
    assert all(not hasattr(value, "_meta") for value in vars(release).values())


def test_products_are_cached_apart(product, offerable_release):
    other = ProductFactory(key="lamp")
    offerable_release("2.0.0")

    assert policy.for_product(other.pk).releases == ()
    assert len(policy.for_product(product.pk).releases) == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_reaches_the_next_decision(product, offerable_release):
    """With real commits: the on-commit invalidation, not the immediate one, is what stays right."""
    release = offerable_release("2.0.0")
    device = DeviceFactory(product=product, uid="d1", attributes={"region": "us"})
    assert decide(device) is not None

    with transaction.atomic():
        transitions.set_policy(release.rollout, strategy=Strategy.TARGETED, filters=[
            transitions.FilterSpec(DeviceFilterFactory(conditions=[
                {"field": "attributes.region", "op": "eq", "value": "eu"}]))])

    assert decide(device) is None


@pytest.mark.django_db(transaction=True)
def test_editing_a_filter_reaches_the_decision(product, offerable_release):
    eu = DeviceFilterFactory(conditions=[{"field": "attributes.region", "op": "eq", "value": "eu"}])
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.TARGETED, filters=[transitions.FilterSpec(eu)])
    device = DeviceFactory(product=product, uid="d1", attributes={"region": "us"})
    assert decide(device) is None

    eu.conditions = [{"field": "attributes.region", "op": "in", "value": ["eu", "us"]}]
    eu.save()

    assert decide(device) is not None


@pytest.mark.django_db(transaction=True)
def test_a_verified_artifact_reaches_the_decision(product, offerable_release):
    from catalog.choices import ArtifactState

    release = offerable_release("2.0.0")
    artifact = release.artifact
    artifact.state = ArtifactState.VERIFYING
    artifact.save()
    device = DeviceFactory(product=product, uid="d1")
    assert decide(device) is None

    artifact.state = ArtifactState.VERIFIED
    artifact.save()

    assert decide(device) is not None


def _decide_queries(product, device_uid):
    from devices.models import Device

    device = Device.objects.select_related("product").get(uid=device_uid)
    policy.for_product(product.pk)  # warm, as every check-in but the first after a change finds it
    with CaptureQueriesContext(connection) as queries:
        decision = decide(device)
    return len(queries), decision


@pytest.mark.parametrize("releases, devices", [(10, 10), (1000, 5000)])
def test_deciding_costs_the_same_queries_at_any_size(product, releases, devices):
    bulk_releases(product, releases, started=min(releases, 100))
    bulk_devices(product, devices)

    count, decision = _decide_queries(product, "fleet-000001")  # site=lab: matches the filters

    assert decision is not None
    assert count == 1  # the device's updates of the releases still in the running


def snapshot_key(product):
    return f"rollouts:policy:{product.pk}:{store().generation(product.pk)}"


def test_a_process_keeps_the_unpickled_snapshot_of_the_current_generation(product):
    bulk_releases(product, 20, started=5)
    first = policy.for_product(product.pk)
    cache.delete(snapshot_key(product))  # only this process's copy is left

    with CaptureQueriesContext(connection) as queries:
        again = policy.for_product(product.pk)

    assert again is first
    assert len(queries) == 0


def test_a_new_generation_is_not_answered_from_the_process_copy(product):
    bulk_releases(product, 20, started=5)
    first = policy.for_product(product.pk)

    policy.invalidate(product.pk)

    assert policy.for_product(product.pk) is not first


def test_the_process_copy_expires_with_the_cache_time_to_live(product, settings):
    settings.OTA_POLICY_CACHE_TTL = 0
    bulk_releases(product, 20, started=5)
    first = policy.for_product(product.pk)
    cache.delete(snapshot_key(product))

    with CaptureQueriesContext(connection) as queries:
        again = policy.for_product(product.pk)

    assert again is not first
    assert len(queries) == 4  # rebuilt from the database
