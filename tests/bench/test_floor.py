"""The bare WSGI floor answers under the portal's own gunicorn settings."""

import json
import urllib.request

import pytest

from bench.runner import gunicorn_options
from bench.services import Gunicorn
from tests.fixtures.services import wait_for


@pytest.fixture
def floor():
    server = Gunicorn(**gunicorn_options(), app="bench.floor:application", ready_path="/").start({})
    yield server
    server.stop()


def test_the_floor_answers_a_constant_small_json_body(floor):
    with urllib.request.urlopen(floor.url + "/api/v1/device/ping") as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.read()) == {"status": "ok"}


def test_the_floor_runs_with_the_portals_workers(floor):
    workers = gunicorn_options()["workers"]

    assert wait_for(lambda: len(floor.worker_pids()) == workers, timeout=20, message=f"{workers} workers")
