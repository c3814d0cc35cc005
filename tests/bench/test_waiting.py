"""The one wait-for-HTTP helper of the harness and the test fixtures (bench/waiting.py), on real servers."""

import subprocess
import sys

import pytest

from bench.services import free_port, stop
from bench.waiting import wait_for_http


@pytest.fixture
def http_server(tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                               cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    yield port, process
    stop(process)


def test_it_returns_once_the_server_answers(http_server):
    port, process = http_server

    wait_for_http(f"http://127.0.0.1:{port}/", process, timeout=20)

    assert process.poll() is None


def test_an_error_status_counts_as_an_answer(http_server):
    port, process = http_server

    wait_for_http(f"http://127.0.0.1:{port}/no-such-file", process, timeout=20)  # 404


def test_a_process_that_exits_first_is_reported_at_once():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])

    with pytest.raises(RuntimeError, match="exited with 3"):
        wait_for_http(f"http://127.0.0.1:{free_port()}/", process, timeout=20)


def test_a_server_that_never_answers_times_out():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with pytest.raises(RuntimeError, match="nothing answered"):
            wait_for_http(f"http://127.0.0.1:{free_port()}/", process, timeout=1)
    finally:
        stop(process)
