"""Waiting for a server process to answer HTTP: shared by the benchmark harness and the test fixtures.

It lives in ``bench`` because both callers start servers as child processes: the
harness (bench/services.py, bench/peers.py) and the tests' fixtures
(tests/fixtures/services.py), which may import ``bench`` (it is outside the
import-linter's root packages), whereas ``otaportal`` is the deployed project and
carries no process-launching helpers.
"""

import subprocess
import time
import urllib.error
import urllib.request


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Return once ``url`` answers anything (an error status counts: the server is up).

    Raises RuntimeError at once if ``process`` exits first, and after ``timeout`` seconds
    if nothing answered.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered at {url} within {timeout} s")
