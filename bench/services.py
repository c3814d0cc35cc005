"""The processes a benchmark run needs, all on loopback: PostgreSQL, Redis, the S3 server, gunicorn, Celery.

PostgreSQL and Redis are the machine's own (started by ``bin/ensure-services``
if they are down); the run uses its own database and Redis database numbers so
that it never touches the tests' or a developer's data. The S3 server (moto),
gunicorn and the Celery worker are started here and stopped when the run ends.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench.waiting import wait_for_http

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
# Servers' logs: a failed start or a 500 under load is explained there.
LOGS = ROOT / "bench" / "out"

DATABASE = os.environ.get("OTA_BENCH_DATABASE", "bench_ota")
POSTGRES_URL = os.environ.get("OTA_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
BUCKET = "ota-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_databases_in_use() -> set[int]:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379)
    try:
        return {int(entry["db"]) for entry in client.client_list()}
    finally:
        client.close()


def redis_databases(preferred: tuple[int, int] = (12, 13)) -> tuple[int, int]:
    """Broker and cache database numbers no other client is connected to, the preferred ones if free.

    A test run's Celery worker on the same broker database would take the benchmark's tasks away
    (and run them against its own database).
    """
    busy = _redis_databases_in_use()
    if not busy & set(preferred):
        return preferred
    free = [number for number in range(15, -1, -1) if number not in busy]
    if len(free) < 2:
        raise RuntimeError("every Redis database has clients; set OTA_BENCH_BROKER_URL and OTA_BENCH_CACHE_URL")
    print(f"bench: Redis databases {preferred} are in use by another client; using {free[0]} and {free[1]}",
          flush=True)
    return free[0], free[1]


def bench_environment(s3_port: int) -> dict:
    """Environment variables of every process of the run (12-factor settings, base settings module)."""
    given = os.environ.get("OTA_BENCH_BROKER_URL") and os.environ.get("OTA_BENCH_CACHE_URL")
    broker, cache = (None, None) if given else redis_databases()
    return {
        "DJANGO_SETTINGS_MODULE": "otaportal.settings.base",
        "DJANGO_SECRET_KEY": "benchmark-secret-key-not-for-production",
        "DJANGO_DEBUG": "false",
        # The load generators speak plain HTTP to 127.0.0.1.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"{POSTGRES_URL}/{DATABASE}",
        # Persistent connections: opening one costs ~7 ms (docs/benchmarks.md).
        "DATABASE_CONN_MAX_AGE": "600",
        "CELERY_BROKER_URL": os.environ.get("OTA_BENCH_BROKER_URL") or f"redis://127.0.0.1:6379/{broker}",
        "CACHE_URL": os.environ.get("OTA_BENCH_CACHE_URL") or f"redis://127.0.0.1:6379/{cache}",
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "OTA_DEVICE_RATE_LIMIT": "1000000",
        "OTA_VAR_DIR": str(ROOT / "bench" / "out" / "var"),
    }


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ensure_postgres_and_redis() -> None:
    subprocess.run([str(ROOT / "bin" / "ensure-services")], check=True, stdout=subprocess.DEVNULL)


def ensure_database() -> None:
    """Create the run's database when it does not exist (trust auth, user postgres)."""
    import psycopg

    with psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


@contextmanager
def s3_server(port: int):
    """moto's S3 server in its own process, with the run's bucket."""
    process = subprocess.Popen([PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/moto-api/", process)
        yield process
    finally:
        stop(process)


@dataclass
class LoopbackServer:
    """A server process of the run on 127.0.0.1: its port, its process once started, its URL."""

    port: int = field(default_factory=free_port, kw_only=True)
    process: subprocess.Popen | None = field(default=None, kw_only=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


@dataclass
class Gunicorn(LoopbackServer):
    """gunicorn serving the portal, configured for production (docs/benchmarks.md, "Server").

    ``app`` and ``ready_path`` serve another WSGI app with the same options (the floor, bench/floor.py).
    """

    workers: int
    worker_class: str = "sync"
    threads: int = 1
    env: dict = field(default_factory=dict)
    app: str = "otaportal.wsgi:application"
    ready_path: str = "/api/v1/device/ping"

    def describe(self) -> str:
        threads = f" --threads {self.threads}" if self.worker_class == "gthread" else ""
        return f"gunicorn --workers {self.workers} --worker-class {self.worker_class}{threads}"

    def start(self, base_env: dict) -> "Gunicorn":
        command = [str(BIN / "gunicorn"), self.app, "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(self.workers), "--worker-class", self.worker_class,
                   "--threads", str(self.threads), "--backlog", "2048", "--timeout", "120",
                   "--log-level", "warning", "--no-control-socket"]
        LOGS.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **base_env, **self.env},
                                        stdout=subprocess.DEVNULL, stderr=(LOGS / "gunicorn.log").open("ab"))
        wait_for_http(self.url + self.ready_path, self.process)
        return self

    def worker_pids(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.process.pid).children()]


@dataclass
class CeleryWorker:
    """A Celery worker process as production runs it (prefork pool)."""

    concurrency: int = 1
    process: subprocess.Popen | None = None

    def start(self, base_env: dict) -> "CeleryWorker":
        command = [str(BIN / "celery"), "-A", "otaportal", "worker", f"--concurrency={self.concurrency}",
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"]
        self.process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **base_env},
                                        stdout=subprocess.DEVNULL,
                                        stderr=(LOGS / "celery.log").open("ab"))
        from otaportal.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited with {self.process.returncode}")
            if app.control.ping(timeout=1):
                return self
        raise RuntimeError("the Celery worker did not answer a ping within 60 s")

    def pool_pids(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process, timeout=30)
            self.process = None
