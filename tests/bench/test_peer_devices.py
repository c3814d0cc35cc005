"""The peer benchmark's portal devices: each group's repeat requests answer, and cost, what its name says."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.benchmarks.checkin import CHECK_IN
from bench.benchmarks.ddi import poll_path
from bench.benchmarks.peers import sort_devices
from rollouts import simulation

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def groups():
    spec = simulation.FleetSpec(devices=60, releases=40, rollouts=20, name="peer")
    simulation.generate(spec)
    return sort_devices(spec, count=60, seed=11, host="testserver")


def check_in(token, body):
    return Client().post(CHECK_IN, body, content_type="application/json", HTTP_X_ACCESS_TOKEN=token)


def writes_of(request):
    with CaptureQueriesContext(connection) as captured:
        response = request()
    return response, [query["sql"] for query in captured.captured_queries if query["sql"].startswith(WRITES)]


def test_every_sampled_device_is_in_the_ping_group_and_the_others_are_not_empty(groups):
    assert len(groups["all"]) == len(set(groups["all"])) == 60
    assert groups["checkin_idle"] and groups["checkin_offer"] and groups["ddi_idle"]


def test_an_idle_devices_repeat_check_in_is_offered_nothing_and_writes_nothing(groups):
    for token, body in groups["checkin_idle"]:
        response, writes = writes_of(lambda: check_in(token, body))

        assert response.status_code == 204
        assert writes == []


def test_an_offer_making_devices_repeat_check_in_is_answered_its_offer_and_writes_nothing(groups):
    for token, body in groups["checkin_offer"]:
        response, writes = writes_of(lambda: check_in(token, body))

        assert response.status_code == 200
        assert response.json()["version"] != json.loads(body)["modules"].get(response.json()["module"])
        assert writes == []


def test_an_idle_pollers_repeat_ddi_poll_has_no_deployment_and_writes_nothing(groups):
    for token, uid in groups["ddi_idle"]:
        response, writes = writes_of(
            lambda: Client().get(poll_path(uid), HTTP_AUTHORIZATION=f"TargetToken {token}"))

        assert response.status_code == 200
        assert "deploymentBase" not in response.json().get("_links", {})
        assert writes == []
