"""The health check, `GET /health/` and `manage.py health`, against the real services."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from otaportal import health
from otaportal.celery import app as celery_app
from tests.fixtures.services import ROOT, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def beat_ticked():
    """Beat's latest tick, just now (as the scheduler records it: otaportal.beat)."""
    health.record_beat_tick()


def checks_of(response):
    return {name: check["ok"] for name, check in response.json()["checks"].items()}


def test_all_is_ok_with_a_worker_answering_and_a_recent_beat_tick(client, celery_worker, beat_ticked):
    response = client.get("/health/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ok"
    assert checks_of(response) == {name: True for name in
                                   ("database", "cache", "broker", "storage", "worker", "beat")}


def test_no_worker_answering_is_a_503_naming_the_worker(client, beat_ticked):
    response = client.get("/health/")

    assert response.status_code == 503
    assert [name for name, ok in checks_of(response).items() if not ok] == ["worker"]
    assert response.json()["checks"]["worker"]["detail"] == "no worker answered a ping"


def test_a_stale_beat_tick_is_a_503_naming_beat(client, celery_worker, settings, beat_ticked):
    settings.OTA_HEALTH_BEAT_STALE_AFTER = 1
    time.sleep(1.5)

    response = client.get("/health/")

    assert response.status_code == 503
    assert [name for name, ok in checks_of(response).items() if not ok] == ["beat"]


def test_unreachable_storage_is_a_503_naming_storage(client, celery_worker, settings, beat_ticked):
    artifacts = settings.STORAGES["artifacts"]
    closed_port = {**artifacts["OPTIONS"], "endpoint_url": "http://127.0.0.1:9"}
    settings.STORAGES = {**settings.STORAGES, "artifacts": {**artifacts, "OPTIONS": closed_port}}

    response = client.get("/health/")

    assert response.status_code == 503
    assert [name for name, ok in checks_of(response).items() if not ok] == ["storage"]


def test_the_health_check_needs_no_credentials_nor_https(client, settings, beat_ticked):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/health/")  # plain HTTP, no token, as a load balancer probes

    assert response.status_code in (200, 503)
    assert response["Content-Type"] == "application/json"


@pytest.fixture
def silent_endpoint():
    """A loopback address that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_check_that_hangs_is_reported_within_the_timeout(client, celery_worker, settings, beat_ticked,
                                                            silent_endpoint):
    settings.OTA_HEALTH_TIMEOUT = 0.5
    artifacts = settings.STORAGES["artifacts"]
    unanswered = {**artifacts["OPTIONS"], "endpoint_url": silent_endpoint}
    settings.STORAGES = {**settings.STORAGES, "artifacts": {**artifacts, "OPTIONS": unanswered}}
    started = time.monotonic()

    response = client.get("/health/")

    assert time.monotonic() - started < 2
    assert response.json()["checks"]["storage"] == {"ok": False, "detail": "no answer within 0.5 s"}


def test_the_command_exits_1_naming_the_failing_checks(beat_ticked):
    with pytest.raises(CommandError, match="failing: worker"):
        call_command("health")


def test_the_command_reports_as_json(celery_worker, beat_ticked, capsys):
    call_command("health", "--json")

    assert json.loads(capsys.readouterr().out)["status"] == "ok"


def test_a_beat_process_records_its_ticks(tmp_path):
    environment = dict(os.environ, DJANGO_SETTINGS_MODULE="otaportal.settings.test")
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "otaportal", "beat", "--loglevel=INFO",
         "--schedule", str(tmp_path / "celerybeat-schedule")],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: cache.get(health.BEAT_TICK_KEY), timeout=30, message="beat's first tick")
    finally:
        beat.terminate()
        beat.wait(15)
        celery_app.control.purge()  # the periodic tasks beat queued at once, for no worker of this test

    assert time.time() - cache.get(health.BEAT_TICK_KEY) < 30


def test_probes_within_the_cache_period_share_one_report(client, celery_worker, beat_ticked, settings):
    settings.OTA_HEALTH_CACHE_SECONDS = 60
    first = client.get("/health/")
    settings.OTA_HEALTH_BEAT_STALE_AFTER = 0  # would fail beat, were the report made again

    second = client.get("/health/")

    assert (second.status_code, second.json()) == (first.status_code, first.json())
