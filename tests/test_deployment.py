"""docker-compose.yml and the Dockerfile, checked as far as a machine without Docker can.

They cannot run here (no Docker engine), so these tests hold them to what the
portal reads: every variable the stack sets is one the settings use, every file
the image copies exists, every dependency names a service.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PORTAL_SERVICES = ["migrate", "web", "worker"]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variables():
    source = (ROOT / "otaportal" / "settings" / "base.py").read_text()
    return set(re.findall(r'(?:env|Env\(\))\.\w+\("([A-Z0-9_]+)"', source))


def test_the_stack_has_every_part(compose):
    assert set(compose["services"]) == {"db", "redis", "minio", "createbucket", "migrate", "web", "worker",
                                        "proxy"}


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


def test_the_worker_runs_beat_for_the_periodic_sweep(compose):
    command = compose["services"]["worker"]["command"]

    assert command[:4] == ["celery", "-A", "otaportal", "worker"]
    assert "--beat" in command


def test_web_and_worker_start_after_migrations_and_the_bucket(compose):
    for service in ("web", "worker"):
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


def test_the_image_installs_with_the_pinned_constraints():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "pip install -c requirements/constraints.txt -e ." in dockerfile
