"""The admin index as a dashboard: live rollouts, what needs attention, the fleet by version; each count a
link to the admin list that shows exactly what it counts; a constant number of queries at any fleet size."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalog.choices import ArtifactState, FailureReason
from rollouts.models import DeviceUpdate, RolloutState, UpdateStatus
from rollouts.services import transitions
from tests.factories import DeviceFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
S = UpdateStatus
INDEX = reverse("admin:index")


@pytest.fixture(autouse=True)
def fresh_census():
    """Each test counts its own fleet: the census of an earlier test may still be cached."""
    cache.clear()


def dashboard_of(client):
    response = client.get(INDEX)
    assert response.status_code == 200
    return response


def rows_listed(client, url) -> int:
    """How many rows the admin list at ``url`` shows (its result count)."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def test_live_rollouts_show_their_phase_from_1_and_the_share_installed(admin_client, running, updates_of):
    updates_of(running, S.COMMITTED, count=3)
    updates_of(running, S.FAILED, count=2)

    live = dashboard_of(admin_client).context["dashboard"]["live"]

    row, = live["rows"]
    assert row["phase"] == "1 of 2 (10 %)"
    assert (row["progress"].part, row["progress"].whole) == (3, 5)
    assert row["failure"].percent == 40
    assert live["running"] == 1 and live["paused"] == 0
    assert rows_listed(admin_client, live["running_url"]) == 1


def test_a_rollout_paused_by_its_failure_threshold_is_named_with_its_reason(admin_client, offerable_release,
                                                                          reported):
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, phases=[transitions.PhaseSpec(100, failure_threshold=5)])
    reported([S.DOWNLOADING, S.FAILED], reason="flash write error")
    transitions.pause(offerable_release("3.0.0").rollout, "waiting for the vendor")

    auto_paused = dashboard_of(admin_client).context["dashboard"]["attention"]["auto_paused"]

    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.PAUSED
    assert [row["rollout"].pk for row in auto_paused["rows"]] == [release.rollout.pk]
    assert "failure threshold crossed in phase 1" in auto_paused["rows"][0]["rollout"].state_reason
    assert rows_listed(admin_client, auto_paused["url"]) == 1


def test_failed_artifacts_are_counted_and_link_to_the_failed_artifact_list(admin_client, offerable_release):
    release = offerable_release("2.0.0")
    release.artifact.state, release.artifact.failure_reason = ArtifactState.FAILED, FailureReason.CHECKSUM_MISMATCH
    release.artifact.save()
    offerable_release("2.1.0")

    failed = dashboard_of(admin_client).context["dashboard"]["attention"]["failed_artifacts"]

    assert failed["total"] == 1
    assert failed["rows"][0]["artifact"].pk == release.artifact.pk
    assert rows_listed(admin_client, failed["url"]) == 1


def test_device_updates_failing_in_the_last_24_hours_link_to_exactly_those_updates(admin_client, offerable_release,
                                                                                 reported):
    release = offerable_release("2.0.0")
    transitions.set_policy(release.rollout, phases=[transitions.PhaseSpec(100, failure_threshold=100)])
    reported([S.DOWNLOADING, S.FAILED], count=3, reason="no space left")
    reported([S.DOWNLOADING, S.INSTALLED], count=2, prefix="fine")
    old = reported([S.DOWNLOADING, S.FAILED], prefix="old")[0]
    DeviceUpdate.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=2))

    failing = dashboard_of(admin_client).context["dashboard"]["attention"]["failing"]

    assert failing["total"] == 3
    assert [(row["release"].label, row["release"].devices) for row in failing["rows"]] == [
        ("thermostat/default 2.0.0", 3)]
    assert rows_listed(admin_client, failing["url"]) == 3
    assert rows_listed(admin_client, failing["rows"][0]["url"]) == 3


def test_nothing_needing_attention_is_said_plainly(admin_client, running):
    response = dashboard_of(admin_client)

    assert response.context["dashboard"]["attention"]["nothing"] is True
    assert b"ota-all-clear" in response.content


def test_the_fleet_is_counted_by_product_and_installed_version(admin_client, product):
    for index in range(3):
        DeviceFactory(product=product, installed_versions={"default": "1.0.0", "app": "2.0.0"})
    DeviceFactory(product=product, installed_versions={"default": "1.1.0"})
    DeviceFactory(product=product, installed_versions={"default": "1.1.0"}, is_active=False)
    DeviceFactory(product=ProductFactory(key="gateway"), installed_versions={})

    fleet = dashboard_of(admin_client).context["dashboard"]["fleet"]

    assert fleet["census"].exact and fleet["census"].devices == 5
    thermostat, gateway = fleet["products"]
    assert (thermostat["key"], thermostat["devices"], gateway["key"], gateway["devices"]) == (
        "thermostat", 4, "gateway", 1)
    app, default = thermostat["modules"]
    assert [(row.version, row.devices) for row in default.versions] == [("1.1.0", 1), ("1.0.0", 3)]
    assert (app.module, app.unreported) == ("app", 1)
    assert gateway["modules"] == []


def test_each_version_links_to_the_device_list_of_that_product_and_version(admin_client, product):
    for index in range(3):
        DeviceFactory(product=product, installed_versions={"default": "1.0.0"})
    DeviceFactory(product=product, installed_versions={"default": "1.1.0"})
    DeviceFactory(product=ProductFactory(key="gateway"), installed_versions={"default": "1.0.0"})

    thermostat = dashboard_of(admin_client).context["dashboard"]["fleet"]["products"][0]

    newest, oldest = thermostat["modules"][0].versions
    assert rows_listed(admin_client, oldest.url) == 3
    assert rows_listed(admin_client, newest.url) == 1
    assert rows_listed(admin_client, thermostat["url"]) == 4


def test_the_dashboard_takes_the_same_number_of_queries_for_a_small_and_a_larger_fleet(admin_client, running,
                                                                                     updates_of, product):
    def queries_with(devices):
        for index in range(devices - DeviceUpdate.objects.count()):
            DeviceFactory(product=ProductFactory(key=f"product-{index % 4}"),
                          installed_versions={"default": f"1.{index % 5}.0"})
        updates_of(running, S.FAILED, count=devices // 10, reason="boom")
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            dashboard_of(admin_client)
        return len(queries)

    assert queries_with(10) == queries_with(80)


def test_the_fleet_census_is_read_from_the_cache_until_it_expires(admin_client, product):
    DeviceFactory(product=product)
    dashboard_of(admin_client)
    DeviceFactory(product=product)

    with CaptureQueriesContext(connection) as queries:
        fleet = dashboard_of(admin_client).context["dashboard"]["fleet"]

    assert fleet["census"].devices == 1
    assert not any("installed_versions" in query["sql"] for query in queries.captured_queries)
    cache.clear()
    assert dashboard_of(admin_client).context["dashboard"]["fleet"]["census"].devices == 2


def test_a_fleet_larger_than_the_census_limit_is_estimated_from_a_sample(admin_client, product, settings):
    from devices.models import Device

    Device.objects.bulk_create([Device(uid=f"bulk-{index:05d}", product=product,
                                       installed_versions={"default": "1.0.0"}) for index in range(2000)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE devices_device")
    settings.OTA_DASHBOARD_CENSUS_ROWS = 500

    response = dashboard_of(admin_client)

    census = response.context["dashboard"]["fleet"]["census"]
    assert census.sample_percent == 25
    assert not census.exact
    assert census.devices % 4 == 0  # every sampled device stands for four
    assert b"Estimated from a 25 % sample" in response.content


def test_counting_in_python_gives_what_postgresql_counts(product):
    from rollouts.services import fleet_census

    DeviceFactory(product=product, installed_versions={"default": "1.0.0", "app": "2.0.0"})
    DeviceFactory(product=product, installed_versions={})
    DeviceFactory(product=product, installed_versions={"default": "1.0.0"}, is_active=False)

    assert fleet_census.counts_in_python() == fleet_census.counts_in_sql(None) == {
        (product.pk, None, None): 2, (product.pk, "default", "1.0.0"): 1, (product.pk, "app", "2.0.0"): 1}


def test_a_user_sees_only_the_sections_they_may_view(client, running):
    viewer = UserFactory(username="rollout-viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_rollout"))
    client.force_login(viewer)

    dashboard = dashboard_of(client).context["dashboard"]

    assert "live" in dashboard
    assert "fleet" not in dashboard
    assert set(dashboard["attention"]) == {"since", "auto_paused", "nothing"}



def test_an_app_index_page_shows_its_models_not_the_dashboard(admin_client, running):
    response = admin_client.get(reverse("admin:app_list", kwargs={"app_label": "rollouts"}))

    assert response.status_code == 200
    assert b"ota-dashboard" not in response.content


def test_the_dashboard_takes_the_same_number_of_queries_for_one_and_several_live_rollouts(admin_client,
                                                                                        offerable_release):
    def queries_with(rollouts):
        for index in range(rollouts - DeviceUpdate.objects.values("release").distinct().count()):
            release = offerable_release(f"2.{rollouts}.{index}", product=ProductFactory(key=f"p-{rollouts}-{index}"))
            failed = DeviceFactory(product=release.product)
            DeviceUpdate.objects.create(device=failed, release=release, status=S.FAILED, finished_at=timezone.now())
            transitions.pause(release.rollout, "failure threshold crossed", automatic=True)
            release.artifact.state = ArtifactState.FAILED
            release.artifact.save()
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            dashboard_of(admin_client)
        return len(queries)

    assert queries_with(1) == queries_with(4)
