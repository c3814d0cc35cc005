from datetime import timedelta

import pytest
from django.utils import timezone

from rollouts.models import DeviceUpdate, EventKind, Rollout, RolloutState, Strategy, UpdateStatus
from rollouts.services import transitions
from tests.factories import DeviceFactory, ReleaseFactory
from tests.rollouts.factories import DeviceFilterFactory
from tests.rollouts.test_filters_api import client_with

pytestmark = pytest.mark.django_db


def url(release, action=""):
    return f"/api/v1/rollouts/{release.pk}" + (f"/{action}" if action else "")


@pytest.fixture
def release(product):
    return ReleaseFactory(product=product, version="2.0.0")


def test_a_rollout_shows_its_policy_and_live_counts(api, offerable_release, device):
    release = offerable_release("2.0.0")
    DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.DOWNLOADING)

    body = api.get(url(release)).json()

    assert (body["version"], body["strategy"], body["state"]) == ("2.0.0", "general", "running")
    assert body["counts"]["byStatus"]["downloading"] == 1 and body["counts"]["total"] == 1
    assert body["countsByPhase"]["0"]["total"] == 1


def test_rollouts_are_listed_with_counts_in_a_constant_number_of_queries(api, product, django_assert_max_num_queries):
    for n in range(15):
        ReleaseFactory(product=product, version=f"3.{n}.0")

    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/rollouts")

    assert response.json()["count"] == 15


def test_start_sets_strategy_filters_and_phases(api, release):
    eu = DeviceFilterFactory(name="eu")
    body = {"strategy": "targeted", "filters": [{"filterId": str(eu.pk), "rolloutDate": "2030-01-01T00:00:00Z"}],
            "phases": [{"percentage": 1, "minSoak": "06:00:00"}, {"percentage": 100}]}

    response = api.post(url(release, "start"), body, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["strategy"] == "targeted" and data["filters"][0]["name"] == "eu"
    assert [phase["percentage"] for phase in data["phases"]] == ["1.00", "100.00"]
    assert data["phases"][0]["minSoak"] == "06:00:00"


@pytest.mark.parametrize("body, field", [
    ({"strategy": "suspended"}, "strategy"),
    ({"strategy": "general", "phases": [{"percentage": 50}, {"percentage": 10}]}, "phases[1].percentage"),
    ({"strategy": "general", "phases": [{"percentage": 150}]}, "phases"),
    ({"strategy": "targeted", "filters": [{"filterId": "00000000-0000-0000-0000-000000000000"}]},
     "filters[0].filterId"),
    ({"strategy": "general", "phases": [{"percentage": 10, "minSoak": "soon"}]}, "phases"),
])
def test_bad_start_requests_name_the_field_and_change_nothing(api, release, body, field):
    response = api.post(url(release, "start"), body, format="json")

    assert response.status_code == 400 and field in response.json(), response.json()
    assert Rollout.objects.get(release=release).strategy == Strategy.SUSPENDED


def test_patch_changes_only_what_is_given(api, offerable_release):
    release = offerable_release("2.0.0")

    response = api.patch(url(release), {"skipDispatchingToEndpoint": True}, format="json")

    assert response.status_code == 200
    assert response.json()["strategy"] == "general" and response.json()["skipDispatchingToEndpoint"] is True


def test_pause_resume_and_abort(api, offerable_release):
    release = offerable_release("2.0.0")

    assert api.post(url(release, "pause"), {"reason": "looking"}, format="json").json()["state"] == "paused"
    assert api.post(url(release, "resume")).json()["state"] == "running"
    aborted = api.post(url(release, "abort"), {"reason": "bad build"}, format="json").json()

    assert (aborted["state"], aborted["stateReason"]) == ("aborted", "bad build")
    assert list(release.rollout.events.values_list("actor__username", flat=True))[:3] == ["admin"] * 3


def test_abort_needs_a_reason(api, offerable_release):
    release = offerable_release("2.0.0")

    response = api.post(url(release, "abort"), {}, format="json")

    assert response.status_code == 400 and "reason" in response.json()


def test_an_impossible_transition_answers_409(api, offerable_release):
    release = offerable_release("2.0.0")
    transitions.abort(release.rollout, "bad")

    response = api.post(url(release, "resume"))

    assert response.status_code == 409 and "aborted" in response.json()["detail"]


def test_advance_refuses_an_unsoaked_phase_unless_forced(api, offerable_release):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.GENERAL, phases=[
        transitions.PhaseSpec(10, timedelta(hours=1)), transitions.PhaseSpec(100)])

    refused = api.post(url(release, "advance"), {}, format="json")
    forced = api.post(url(release, "advance"), {"force": True}, format="json")

    assert refused.status_code == 409
    assert forced.status_code == 200 and forced.json()["currentPhase"] == 1
    assert release.rollout.events.filter(kind=EventKind.PHASE_ADVANCED).count() == 1


def test_the_dry_run_counts_by_installed_version_and_phase(api, offerable_release, product):
    release = offerable_release("2.0.0")
    for n in range(5):
        DeviceFactory(product=product, uid=f"u{n}", installed_versions={"default": "1.0.0"})

    body = api.get(url(release, "dry-run"), {"percentage": 100}).json()

    assert body["total"] == 5 and body["rows"][0]["installedVersion"] == "1.0.0"


@pytest.mark.parametrize("query, field", [({"percentage": 101}, "percentage"), ({"phase": 4}, "phase"),
                                          ({"phase": 0, "percentage": 5}, "phase")])
def test_bad_dry_run_queries_are_named(api, offerable_release, query, field):
    release = offerable_release("2.0.0")

    response = api.get(url(release, "dry-run"), query)

    assert response.status_code == 400 and field in response.json()


def test_an_unknown_release_answers_404(api):
    assert api.get("/api/v1/rollouts/00000000-0000-0000-0000-000000000000").status_code == 404


def test_transitions_need_the_change_permission(offerable_release):
    release = offerable_release("2.0.0")
    viewer = client_with("view_rollout")

    assert viewer.get(url(release)).status_code == 200
    assert viewer.post(url(release, "pause"), {"reason": "x"}, format="json").status_code == 403
    assert client_with("change_rollout").post(url(release, "pause"), {}, format="json").status_code == 200
    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.PAUSED


def test_reading_needs_the_view_permission(release):
    assert client_with().get(url(release)).status_code == 403


# --- explain ----------------------------------------------------------------------------------

def test_explain_lists_every_rule_for_a_device_and_release(api, offerable_release, device):
    release = offerable_release("2.0.0", min_agent_version="9.0")

    body = api.get(f"/api/v1/devices/{device.uid}/explain", {"release": str(release.pk)}).json()

    assert body["offered"] is False
    failed = [rule for rule in body["rules"] if not rule["passed"]]
    assert [rule["rule"] for rule in failed] == ["agent version"] and "9.0" in failed[0]["detail"]


def test_explain_finds_the_release_by_version_and_module(api, offerable_release, device):
    offerable_release("2.0.0")

    body = api.get(f"/api/v1/devices/{device.uid}/explain", {"version": "2.0.0", "module": "default"}).json()

    assert body["offered"] is True and body["version"] == "2.0.0"


@pytest.mark.parametrize("query, status", [({}, 400), ({"release": "nope"}, 400), ({"version": "9.9.9"}, 404)])
def test_explain_with_bad_input(api, device, query, status):
    assert api.get(f"/api/v1/devices/{device.uid}/explain", query).status_code == status


def test_explain_of_an_unknown_device_answers_404(api):
    assert api.get("/api/v1/devices/nobody/explain", {"version": "1"}).status_code == 404


def test_explain_needs_view_permissions_on_rollouts_and_devices(offerable_release, device):
    release = offerable_release("2.0.0")
    path = f"/api/v1/devices/{device.uid}/explain"

    assert client_with("view_rollout").get(path, {"release": str(release.pk)}).status_code == 403
    assert client_with("view_rollout", "view_device").get(path, {"release": str(release.pk)}).status_code == 200


def test_explain_with_a_future_filter_date_says_when(api, offerable_release, device):
    release = offerable_release("2.0.0", strategy=Strategy.SUSPENDED)
    transitions.start(release.rollout, strategy=Strategy.TARGETED, filters=[transitions.FilterSpec(
        DeviceFilterFactory(name="all"), timezone.now() + timedelta(days=2))])

    body = api.get(f"/api/v1/devices/{device.uid}/explain", {"release": str(release.pk)}).json()

    assert "all (from" in next(rule for rule in body["rules"] if rule["rule"] == "filters")["detail"]
