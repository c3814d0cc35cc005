"""Two "hosts" — two gunicorn instances on different ports sharing PostgreSQL and Redis — agree at once.

An idle device request is answered from its session in the edge store and from each
process's memory (devices.session); these tests change something through one host and
check that the other host's very next request sees it: a rotated, revoked or
deactivated token fails, a policy change and an update's new state are answered.
Each host runs two workers, so a per-process copy is exercised too.
"""

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from bench.waiting import wait_for_http
from rollouts.models import Strategy
from tests.factories import DeviceFactory
from tests.fixtures import services

pytestmark = pytest.mark.django_db(transaction=True)

CHECK_IN, PING = "/api/v1/device/check-in", "/api/v1/device/ping"
ON_1_0 = {"agentVersion": "1.0.0", "modules": {"default": "1.0.0"}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def hosts(s3_server, django_db_setup, django_db_blocker, tmp_path_factory):
    """Two gunicorn instances of the portal on the test database and the tests' Redis: (url_a, url_b).

    Started once for the module: each test's rows are committed (transactional tests) and seen by both.
    """
    tmp_path = tmp_path_factory.mktemp("hosts")
    environment = dict(os.environ, DATABASE_URL=services.test_database_url(),
                       DJANGO_SETTINGS_MODULE="otaportal.settings.test", OTA_AUTH_FAILURE_LIMIT="1000000")
    started = []
    try:
        for name in ("a", "b"):
            port, log = _free_port(), (tmp_path / f"gunicorn-{name}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "otaportal.wsgi:application", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--timeout", "60", "--graceful-timeout", "5"],
                cwd=services.ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
            started.append((process, log))
            wait_for_http(f"http://127.0.0.1:{port}{PING}", process, timeout=60)  # 401: up
            started[-1] = (process, log, f"http://127.0.0.1:{port}")
        yield tuple(url for _, _, url in started)
    finally:
        for process, log, *_ in started:
            process.terminate()
            process.wait(15)
            log.close()


def call(url: str, method: str = "GET", body=None, **headers) -> tuple[int, dict | None]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as error:
        return error.code, None


def check_in(host: str, token: str, report=ON_1_0) -> tuple[int, dict | None]:
    return call(host + CHECK_IN, "POST", report, **{"x-access-token": token})


def settled(host: str, token: str, report=ON_1_0) -> tuple[int, dict | None]:
    """Check in until the answer is remembered (the first check-ins write, then read the device once)."""
    for _ in range(4):  # more than enough on each of a host's two workers' shared store
        answer = check_in(host, token, report)
    return answer


def poll(host: str, device, token: str) -> tuple[int, dict | None]:
    return call(f"{host}/DEFAULT/controller/v1/{device.uid}", Authorization=f"TargetToken {token}")


@pytest.fixture
def fleet_device(product, offerable_release):
    """A device on 1.0.0 of a product whose release 2.0.0 is rolled out to everyone."""
    release = offerable_release("2.0.0", strategy=Strategy.GENERAL)
    device = DeviceFactory(product=product, installed_versions={"default": "1.0.0"}, attributes={"hw": "1"})
    return device, release


def test_a_token_rotated_through_one_host_fails_on_the_others_next_request(hosts, fleet_device, api_token):
    host_a, host_b = hosts
    device, _ = fleet_device
    assert settled(host_b, device.token)[0] == 200

    status, rotated = call(f"{host_a}/api/v1/devices/{device.uid}/rotate-token", "POST", {},
                           Authorization=f"Bearer {api_token}")

    assert status == 200
    assert check_in(host_b, device.token)[0] == 401
    assert call(host_b + PING, **{"x-access-token": device.token})[0] == 401
    assert check_in(host_b, rotated["token"])[0] == 200


def test_a_device_deactivated_through_one_host_is_refused_by_the_other(hosts, fleet_device, api_token):
    host_a, host_b = hosts
    device, _ = fleet_device
    assert settled(host_b, device.token)[0] == 200
    assert poll(host_b, device, device.token)[0] == 200

    status, _ = call(f"{host_a}/api/v1/devices/{device.uid}/deactivate", "POST", {},
                     Authorization=f"Bearer {api_token}")

    assert status == 200
    assert check_in(host_b, device.token)[0] == 401
    assert poll(host_b, device, device.token)[0] == 401
    assert call(host_b + PING, **{"x-access-token": device.token})[0] == 401


def test_a_rollout_paused_through_one_host_offers_nothing_on_the_others_next_poll(hosts, fleet_device, api_token):
    host_a, host_b = hosts
    device, release = fleet_device
    assert settled(host_b, device.token)[0] == 200
    assert "deploymentBase" in poll(host_b, device, device.token)[1]["_links"]
    assert "deploymentBase" in poll(host_b, device, device.token)[1]["_links"]  # remembered

    status, _ = call(f"{host_a}/api/v1/rollouts/{release.pk}/abort", "POST", {"reason": "bad build"},
                     Authorization=f"Bearer {api_token}")

    assert status == 200
    assert check_in(host_b, device.token)[0] == 204
    assert "deploymentBase" not in (poll(host_b, device, device.token)[1].get("_links") or {})


def test_an_update_reported_through_one_host_changes_the_others_next_answer(hosts, fleet_device):
    host_a, host_b = hosts
    device, _ = fleet_device
    status, offer = settled(host_b, device.token)
    assert status == 200
    assert "deploymentBase" in poll(host_b, device, device.token)[1]["_links"]

    for state in ("downloading", "installing", "installed"):
        assert call(offer["statusUrl"].replace(host_b, host_a), "POST", {"status": state},
                    **{"x-access-token": device.token})[0] == 200

    links = poll(host_b, device, device.token)[1]["_links"]
    assert "deploymentBase" not in links and "installedBase" in links


def test_a_device_reporting_something_new_takes_the_full_path(hosts, fleet_device):
    _, host_b = hosts
    device, _ = fleet_device
    assert settled(host_b, device.token)[0] == 200

    status, _ = check_in(host_b, device.token, {"agentVersion": "1.0.0", "modules": {"default": "2.0.0"}})

    assert status == 204
    device.refresh_from_db()
    assert device.installed_versions == {"default": "2.0.0"}
