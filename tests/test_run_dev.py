"""`make run` (bin/run-dev): web, worker and beat as three processes, healthy together, stopped together."""

import json
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request

import psutil
import pytest

from tests.fixtures.services import ROOT, wait_for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def health_of(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as response:
            return json.load(response)
    except (urllib.error.HTTPError, OSError):
        return None


@pytest.fixture
def run_dev(tmp_path):
    """bin/run-dev on the embedded defaults under a temporary folder, with nothing of the tests' settings."""
    port = free_port()
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "OTA_VAR_DIR": str(tmp_path / "var"),
                   "PORT": str(port)}
    process = subprocess.Popen([str(ROOT / "bin" / "run-dev")], cwd=ROOT, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(30)


@pytest.mark.slow
def test_a_killed_beat_shows_and_stops_the_portal(run_dev):
    process, port = run_dev
    wait_for(lambda: (health_of(port) or {}).get("status") == "ok", timeout=120, interval=1,
             message="the portal to be healthy")
    children = psutil.Process(process.pid).children(recursive=True)
    beat = next(child for child in children if "beat" in child.cmdline())

    beat.send_signal(signal.SIGKILL)
    process.wait(30)

    assert process.returncode != 0
    assert "run-dev: the Celery beat exited" in process.stdout.read().decode()
    assert not [child for child in children if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
