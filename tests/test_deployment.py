"""docker-compose.yml and the Dockerfile, checked as far as a machine without Docker can.

They cannot run here (no Docker engine), so these tests hold them to what the
portal reads: every variable the stack sets is one the settings use, every file
the image copies exists, every dependency names a service.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PORTAL_SERVICES = ["migrate", "web", "worker", "beat"]
# Left to the domain's owner, with the reasons in docs/operations.md ("check --deploy").
DOCUMENTED_DEPLOY_WARNINGS = {"security.W005", "security.W021"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolated(value: str, given: dict) -> str:
    """``${NAME:-default}`` and ``${NAME:?message}`` as compose substitutes them from ``given``."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}", lambda match: given.get(match[1], match[2] or ""), value)


def compose_environment(compose, service, **given) -> dict:
    """The environment compose gives ``service``, the required secrets filled in."""
    secrets_ = {name: secrets.token_urlsafe(50) for name in
                ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD")}
    return {name: interpolated(str(value), {**secrets_, **given})
            for name, value in compose["services"][service]["environment"].items()}


def run_with_production_settings(command: list, environment: dict, tmp_path) -> subprocess.CompletedProcess:
    """``command`` on the base settings, with ``environment`` (and a secret key) as the only variables."""
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, capture_output=True, text=True,
        env={"PATH": os.environ["PATH"], "OTA_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
             "otaportal.settings.base", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), **environment},
    )


def production_settings(environment: dict, tmp_path, *names) -> dict:
    """Settings ``names`` as the base settings compute them from ``environment``; durations in seconds."""
    code = ("import json; from django.conf import settings; print(json.dumps("
            f"{{name: getattr(settings, name) for name in {list(names)}}}, "
            "default=lambda value: value.total_seconds()))")
    result = run_with_production_settings(["-c", code], environment, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def check_deploy(environment: dict, tmp_path) -> subprocess.CompletedProcess:
    return run_with_production_settings(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                                        environment, tmp_path)


def settings_variables():
    sources = [(ROOT / "otaportal" / "settings" / name).read_text() for name in ("base.py", "portal.py")]
    return {name for source in sources for name in re.findall(r'(?:env|Env\(\))\.\w+\("([A-Z0-9_]+)"', source)}


def test_the_stack_has_every_part(compose):
    assert set(compose["services"]) == {"db", "redis", "minio", "createbucket", "migrate", "web", "worker",
                                        "beat", "proxy"}


@pytest.mark.parametrize("service", PORTAL_SERVICES)
def test_every_variable_given_to_the_portal_is_one_the_settings_read(compose, service):
    given = set(compose["services"][service]["environment"])

    assert given - settings_variables() == set()


@pytest.mark.parametrize("service", PORTAL_SERVICES)
def test_the_portal_uses_postgresql_redis_and_the_minio_bucket(compose, service):
    environment = compose["services"][service]["environment"]

    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert environment["CACHE_URL"].startswith("redis://redis:6379/")
    assert environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert environment["AWS_STORAGE_BUCKET_NAME"]


def test_web_is_gunicorn_with_persistent_database_connections(compose):
    web = compose["services"]["web"]

    assert web["command"][0] == "gunicorn"
    assert int(web["environment"]["DATABASE_CONN_MAX_AGE"]) > 0


def test_beat_runs_as_a_service_of_its_own(compose):
    command = compose["services"]["beat"]["command"]

    assert command[:4] == ["celery", "-A", "otaportal", "beat"]
    assert "deploy" not in compose["services"]["beat"]  # never scaled: one scheduler


def test_the_worker_does_not_embed_beat(compose):
    command = compose["services"]["worker"]["command"]

    assert command[:4] == ["celery", "-A", "otaportal", "worker"]
    assert not {"--beat", "-B"} & set(command)


def test_make_run_starts_beat_as_a_process_of_its_own():
    run_dev = (ROOT / "bin" / "run-dev").read_text()

    assert re.search(r"^\$CELERY beat ", run_dev, flags=re.MULTILINE)
    assert not re.search(r"worker.*(--beat|-B\b)", run_dev)


def test_web_worker_and_beat_start_after_migrations_and_the_bucket(compose):
    for service in ("web", "worker", "beat"):
        depends_on = compose["services"][service]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["createbucket"]["condition"] == "service_completed_successfully"


def test_the_bucket_is_created_with_the_name_the_portal_uses(compose):
    createbucket = compose["services"]["createbucket"]

    assert createbucket["environment"]["BUCKET"] == compose["services"]["web"]["environment"][
        "AWS_STORAGE_BUCKET_NAME"]
    assert 'mc mb --ignore-existing "ota/$$BUCKET"' in "\n".join(createbucket["entrypoint"])


def test_every_dependency_names_a_service(compose):
    services = set(compose["services"])
    for name, service in compose["services"].items():
        assert set(service.get("depends_on", [])) <= services, name


def test_every_mounted_file_of_the_repository_exists(compose):
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_every_path_the_dockerfile_copies_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copies = re.findall(r"^COPY (.+) \S+$", dockerfile, flags=re.MULTILINE)

    sources = [source for line in copies for source in line.split()]
    assert sources
    assert [source for source in sources if not (ROOT / source).exists()] == []


def test_the_image_copies_every_package_of_the_project():
    """A package the settings install but the image lacks would stop the container at start."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    copied = set(re.findall(r"^COPY (\S+) \S+$", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE))

    assert {pattern.rstrip("*") for pattern in packages["include"]} - copied == set()


def test_the_image_installs_with_the_pinned_constraints():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "pip install -c requirements/constraints.txt -e ." in dockerfile


def test_a_dead_worker_is_redelivered_only_after_any_task_could_have_finished(tmp_path):
    production = production_settings({"CELERY_BROKER_URL": "redis://redis:6379/0"}, tmp_path,
                                     "CELERY_BROKER_TRANSPORT_OPTIONS", "CELERY_TASK_TIME_LIMIT",
                                     "OTA_MAX_ARTIFACT_SIZE")

    slowest_verification = production["OTA_MAX_ARTIFACT_SIZE"] / (20 * 1000**2)  # 20 MB/s
    assert production["CELERY_TASK_TIME_LIMIT"] > slowest_verification
    assert production["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] > production["CELERY_TASK_TIME_LIMIT"]


def test_the_sweep_recovers_a_dead_workers_verification_within_minutes(tmp_path):
    production = production_settings({}, tmp_path, "CELERY_BEAT_SCHEDULE", "OTA_VERIFICATION_STUCK_AFTER",
                                     "OTA_VERIFICATION_HEARTBEAT")

    sweep = production["CELERY_BEAT_SCHEDULE"]["requeue-stuck-verifications"]["schedule"]
    assert sweep == 60
    assert production["OTA_VERIFICATION_STUCK_AFTER"] == 300  # docs/operations.md: re-queued within 6 minutes
    assert production["OTA_VERIFICATION_HEARTBEAT"] < production["OTA_VERIFICATION_STUCK_AFTER"]


def test_check_deploy_of_the_compose_settings_reports_only_the_documented_warnings(compose, tmp_path):
    result = check_deploy(compose_environment(compose, "web"), tmp_path)

    assert set(re.findall(r"\((\S+\.W\d+)\)", result.stderr)) == DOCUMENTED_DEPLOY_WARNINGS, result.stderr


def test_check_deploy_is_clean_once_the_domain_owner_opts_into_subdomains_and_preload(compose, tmp_path):
    environment = compose_environment(compose, "web", DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
                                      DJANGO_SECURE_HSTS_PRELOAD="true")

    result = check_deploy(environment, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_https_without_any_variable(tmp_path):
    production = production_settings({}, tmp_path, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
                                     "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")

    assert production == {"SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": True,
                          "CSRF_COOKIE_SECURE": True, "SECURE_HSTS_SECONDS": 365 * 24 * 3600}


def test_nginx_passes_on_the_scheme_the_portal_trusts(compose):
    nginx = (ROOT / "docker" / "nginx.conf").read_text()

    assert compose["services"]["web"]["environment"]["DJANGO_SECURE_PROXY_SSL_HEADER"] == "true"
    assert "proxy_set_header X-Forwarded-Proto $forwarded_proto;" in nginx
