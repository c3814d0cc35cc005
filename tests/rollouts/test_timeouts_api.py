"""The management API sets and shows a rollout's progress timeouts."""

from datetime import timedelta

import pytest

from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(product):
    return ReleaseFactory(product=product, version="2.0.0")


def url(release):
    return f"/api/v1/rollouts/{release.pk}"


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
