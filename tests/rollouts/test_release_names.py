"""The rollouts API names a release as the commands do: its id, PRODUCT:MODULE:VERSION or PRODUCT:VERSION."""

import pytest

from rollouts.models import RolloutState

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(offerable_release):
    return offerable_release("2.0.0")


@pytest.mark.parametrize("name", ["thermostat:default:2.0.0", "thermostat:2.0.0"])
def test_a_rollout_is_shown_by_the_release_name(api, release, name):
    response = api.get(f"/api/v1/rollouts/{name}")

    assert response.status_code == 200
    assert response.json()["releaseId"] == str(release.pk)


def test_a_transition_takes_the_release_name(api, release):
    response = api.post("/api/v1/rollouts/thermostat:default:2.0.0/pause", {"reason": "tickets"}, format="json")

    assert response.status_code == 200
    release.rollout.refresh_from_db()
    assert release.rollout.state == RolloutState.PAUSED


@pytest.mark.parametrize("name, detail", [
    ("thermostat:default:9.9.9", "No release thermostat:default:9.9.9."),
    ("not-a-release", "Name the release by its id (UUID), PRODUCT:MODULE:VERSION, or PRODUCT:VERSION "
                      "(the default module), not 'not-a-release'."),
])
def test_an_unknown_release_is_a_json_404(api, release, name, detail):
    response = api.post(f"/api/v1/rollouts/{name}/start", {"strategy": "general"}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


def test_explain_takes_the_release_name(api, release, device):
    response = api.get(f"/api/v1/devices/{device.uid}/explain", {"release": "thermostat:default:2.0.0"})

    assert response.status_code == 200
    assert response.json()["offered"] is True


def test_explain_of_a_name_of_no_form_is_a_field_error(api, release, device):
    response = api.get(f"/api/v1/devices/{device.uid}/explain", {"release": "a:b:c:d"})

    assert response.status_code == 400
    assert "PRODUCT:MODULE:VERSION" in response.json()["release"]


def test_the_openapi_schema_describes_both_ways_to_name_the_release(anonymous_api):
    paths = anonymous_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    parameters = paths["/api/v1/rollouts/{release_id}/pause"]["post"]["parameters"]

    described = next(parameter for parameter in parameters if parameter["name"] == "release_id")
    assert "PRODUCT:MODULE:VERSION" in described["description"]
    assert "pattern" not in described["schema"]
