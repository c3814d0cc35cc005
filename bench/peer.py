"""goosebit, the peer in every benchmark run: installed, migrated and served by the harness.

goosebit (PyPI ``goosebit``, FastAPI + SQLite) is the small hawkBit DDI server the
portal's device figures are compared with. It gets its own virtual environment
under ``var/`` (never the portal's: its dependencies are not ours), created once and
reused while its stamp names the pinned version; its database is created afresh for
each start with its own aerich migrations, and it is served as its docs run it,
``uvicorn goosebit:app --workers 2``. A device registers itself on its first
``GET /DEFAULT/controller/v1/{id}`` and becomes an ordinary idle device once it has
sent its configData, as an SWUpdate agent does.
"""

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.services import LOGS, PYTHON, ROOT, LoopbackServer
from bench.waiting import wait_for_http

VERSION = "0.2.12"
# The versions of goosebit's dependencies that installed and were measured with it.
CONSTRAINTS = Path(__file__).with_name("goosebit-constraints.txt")
HOME = ROOT / "var" / "bench" / f"goosebit-{VERSION}"
INDEX_URL = "https://pypi.org/simple/goosebit/"
WORKERS = 2
TENANT = "DEFAULT"
# configData as an SWUpdate agent sends it: the device leaves goosebit's "unknown" state and polls as a
# registered device would (its poll then asks goosebit's update manager whether anything is due).
CONFIG_DATA = {"mode": "merge",
               "data": {"hw_boardname": "bench", "hw_revision": "default", "sw_version": "1.0.0"}}
# goosebit writes to one SQLite file: a few registrations at a time, not 32.
REGISTRATION_THREADS = 4


class GoosebitUnavailable(RuntimeError):
    """goosebit could not be installed or started (the message says why)."""


def index_reachable(timeout: float = 10) -> bool:
    """Whether PyPI answers, so that a failed install can be told apart from a closed network."""
    try:
        urllib.request.urlopen(INDEX_URL, timeout=timeout).close()
        return True
    except OSError:
        return False


def install(home: Path = HOME) -> Path:
    """goosebit's virtual environment under ``home``, installed from PyPI unless its stamp names VERSION."""
    venv = home / "venv"
    stamp = venv / "goosebit-version"
    if stamp.exists() and stamp.read_text().strip() == VERSION:
        return venv
    print(f"bench: installing goosebit {VERSION} into {venv}", flush=True)
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run([PYTHON, "-m", "venv", "--clear", str(venv)], check=True)
    result = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                             "--disable-pip-version-check", "-c", str(CONSTRAINTS), f"goosebit=={VERSION}"],
                            capture_output=True, text=True)
    if result.returncode:
        reason = "PyPI is unreachable" if not index_reachable() else "pip failed"
        tail = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise GoosebitUnavailable(f"goosebit {VERSION} could not be installed ({reason}): {tail}")
    stamp.write_text(VERSION + "\n")
    return venv


def poll_path(uid: str) -> str:
    return f"/{TENANT}/controller/v1/{uid}"


def device_uids(count: int) -> list[str]:
    return [f"bench-{number:06d}" for number in range(count)]


@dataclass
class Goosebit(LoopbackServer):
    """goosebit served by uvicorn from its own virtual environment, on a fresh SQLite database."""

    venv: Path
    state: Path = HOME / "state"  # its database, artifacts and aerich config: emptied by each start
    workers: int = WORKERS

    def environment(self) -> dict:
        return {"PATH": f"{self.venv / 'bin'}:/usr/bin:/bin", "HOME": str(self.state),
                "GOOSEBIT_SECRET_KEY": "benchmark-secret-key-not-for-production",
                "GOOSEBIT_DB_URI": f"sqlite:///{self.state / 'db.sqlite3'}",
                "GOOSEBIT_ARTIFACTS_DIR": str(self.state / "artifacts")}

    def migrate(self) -> None:
        """A new database from goosebit's own aerich migrations (aerich init writes its config in state)."""
        shutil.rmtree(self.state, ignore_errors=True)
        self.state.mkdir(parents=True)
        migrations = next(self.venv.glob("lib/python*/site-packages/goosebit/db/migrations"))
        aerich = str(self.venv / "bin" / "aerich")
        steps = ([aerich, "init", "-t", "goosebit.db.config.TORTOISE_CONF", "--location", str(migrations)],
                 [aerich, "upgrade"])
        for step in steps:
            result = subprocess.run(step, cwd=self.state, env=self.environment(), capture_output=True,
                                    text=True)
            if result.returncode:
                raise GoosebitUnavailable(f"`aerich {step[1]}` failed: {result.stderr.strip()[-500:]}")

    def start(self) -> "Goosebit":
        self.migrate()
        LOGS.mkdir(parents=True, exist_ok=True)
        # No access log, as the portal's gunicorn writes none: neither server pays for logging under load.
        command = [str(self.venv / "bin" / "uvicorn"), "goosebit:app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", str(self.workers),
                   "--no-access-log", "--log-level", "warning"]
        log = (LOGS / "goosebit.log").open("ab")
        self.process = subprocess.Popen(command, cwd=self.state, env=self.environment(), stdout=log,
                                        stderr=log)
        wait_for_http(self.url + poll_path("bench-ready"), self.process)
        return self

    def register(self, uids: list[str]) -> None:
        """Each device polls once (goosebit creates it) and sends its configData (goosebit registers it).

        The first device registers alone: goosebit creates the hardware row it names on first sight,
        and two registrations racing for it would create it twice.
        """
        if uids:
            self._register(uids[0])
        with ThreadPoolExecutor(REGISTRATION_THREADS) as pool:
            list(pool.map(self._register, uids[1:]))

    def _register(self, uid: str) -> None:
        urllib.request.urlopen(self.url + poll_path(uid), timeout=30).close()
        request = urllib.request.Request(self.url + poll_path(uid) + "/configData", method="PUT",
                                         data=json.dumps(CONFIG_DATA).encode(),
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).close()

    def poll(self, uid: str) -> dict:
        with urllib.request.urlopen(self.url + poll_path(uid), timeout=30) as response:
            return json.load(response)
