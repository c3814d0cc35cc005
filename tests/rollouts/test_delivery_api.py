"""The management API sets and shows how a rollout delivers its release: action type, progress timeouts, retries,
budget, consent."""

from datetime import timedelta

import pytest

from rollouts.models import UpdateType
from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(product):
    return ReleaseFactory(product=product, version="2.0.0")


def url(release):
    return f"/api/v1/rollouts/{release.pk}"


def test_a_new_rollout_is_forced_tried_once_without_budget_or_consent(api, release):
    body = api.get(url(release)).json()

    assert {name: body[name] for name in ("updateType", "forcedTime", "maxAttempts", "retryBackoff",
                                          "retryRolledBack", "offersPerMinute", "rateGrowthFactor",
                                          "rateGrowthEvery", "requiresConfirmation")} == {
        "updateType": "forced", "forcedTime": None, "maxAttempts": 1, "retryBackoff": "00:10:00",
        "retryRolledBack": False, "offersPerMinute": None, "rateGrowthFactor": None, "rateGrowthEvery": None,
        "requiresConfirmation": False}


def test_patch_sets_every_delivery_option_at_once(api, release):
    response = api.patch(url(release), {
        "updateType": "timeforced", "forcedTime": "2030-01-01T02:00:00Z", "maxAttempts": 3, "retryBackoff": "PT5M",
        "retryRolledBack": True, "offersPerMinute": 100, "rateGrowthFactor": "1.5", "rateGrowthEvery": 20,
        "requiresConfirmation": True,
    }, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["updateType"], body["forcedTime"], body["maxAttempts"], body["retryBackoff"],
            body["offersPerMinute"], body["rateGrowthFactor"], body["requiresConfirmation"]) == (
        "timeforced", "2030-01-01T02:00:00Z", 3, "00:05:00", 100, "1.50", True)


def test_attempt_is_read_as_soft(api, release):
    response = api.patch(url(release), {"updateType": "attempt"}, format="json")

    assert response.json()["updateType"] == UpdateType.SOFT


def test_time_forced_without_a_forced_time_answers_400_naming_forced_time(api, release):
    response = api.patch(url(release), {"updateType": "timeforced"}, format="json")

    assert response.status_code == 400
    assert "forcedTime" in response.json()
    release.rollout.refresh_from_db()
    assert release.rollout.update_type == UpdateType.FORCED


def test_a_growth_factor_without_its_step_answers_400_naming_the_step(api, release):
    response = api.patch(url(release), {"offersPerMinute": 10, "rateGrowthFactor": "2"}, format="json")

    assert response.status_code == 400
    assert "rateGrowthEvery" in response.json()


@pytest.mark.parametrize("field, value", [("maxAttempts", 0), ("maxAttempts", 11), ("retryBackoff", "00:00:10"),
                                          ("offersPerMinute", 0), ("rateGrowthFactor", "1.0"),
                                          ("rateGrowthFactor", "9"), ("updateType", "eventually"),
                                          ("forcedTime", "tomorrow"), ("requiresConfirmation", "perhaps")])
def test_values_out_of_bounds_answer_400_naming_the_field(api, release, field, value):
    response = api.patch(url(release), {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()


# --- progress timeouts ---------------------------------------------------------------------------

def test_a_rollout_shows_no_timeouts_until_set(api, release):
    body = api.get(url(release)).json()

    assert (body["downloadTimeout"], body["installTimeout"]) == (None, None)


def test_patch_sets_the_timeouts(api, release):
    response = api.patch(url(release), {"downloadTimeout": "02:00:00", "installTimeout": "PT30M"}, format="json")

    assert response.status_code == 200
    assert (response.json()["downloadTimeout"], response.json()["installTimeout"]) == ("02:00:00", "00:30:00")
    release.rollout.refresh_from_db()
    assert release.rollout.download_timeout == timedelta(hours=2)


def test_null_clears_a_timeout_and_leaves_the_other(api, release):
    api.patch(url(release), {"downloadTimeout": "02:00:00", "installTimeout": "01:00:00"}, format="json")

    body = api.patch(url(release), {"downloadTimeout": None}, format="json").json()

    assert (body["downloadTimeout"], body["installTimeout"]) == (None, "01:00:00")


@pytest.mark.parametrize("field, value", [("downloadTimeout", "00:00:30"), ("installTimeout", "31 00:00:00"),
                                          ("downloadTimeout", "soon")])
def test_a_timeout_out_of_bounds_is_refused_naming_the_field(api, release, field, value):
    response = api.patch(url(release), {field: value}, format="json")

    assert response.status_code == 400 and field in response.json()
    release.rollout.refresh_from_db()
    assert release.rollout.download_timeout is None and release.rollout.install_timeout is None
