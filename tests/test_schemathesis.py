"""schemathesis over /api/schema/: no server errors, and every answer as the schema documents it.

The portal runs under gunicorn on the test database, as in production (Django's development
server drops the connection when a view answers without reading a form body, which schemathesis
reports as a network error). schemathesis 4 runs as its own CLI, with a small number of examples
per operation so that the run stays within a few minutes on two cores: the examples and fuzzing
phases. Its coverage phase (boundary values of every parameter, ~3,000 more requests, 2–5 minutes
here) is left to a manual run: add ``coverage`` to ``--phases``.
"""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures import services

pytestmark = pytest.mark.django_db(transaction=True)

MAX_EXAMPLES = 10
# Operations that would revoke the device token the device endpoints are exercised with.
EXCLUDED_PATHS = r"/(rotate-token|deactivate)$"
SCHEMATHESIS = Path(sys.executable).with_name("st")
# Each security scheme of the schema with its own credentials; the DDI paths name the device.
CONFIG = """
[auth.openapi.bearerToken]
bearer = "{api_token}"
[auth.openapi.deviceToken]
api_key = "{device_token}"
[auth.openapi.ddiToken]
api_key = "TargetToken {device_token}"

[parameters]
"path.tenant" = "DEFAULT"
"path.controllerId" = "{device_uid}"

[checks]
enabled = false
not_a_server_error.enabled = true
status_code_conformance.enabled = true
response_schema_conformance.enabled = true
content_type_conformance.enabled = true
positive_data_acceptance.enabled = true
negative_data_rejection.enabled = true

# Every surface refuses NUL (PostgreSQL cannot store it; docs/operations.md), which a schema cannot say.
[generation]
allow-x00 = false

# Valid by the schema yet refused by rules no schema can state; each is tested on its own.
[[operations]]
# `product` must name an existing product (tests/devices/test_management_api.py), and attribute
# names follow a rule OpenAPI 3.0 cannot express (no propertyNames): stated in the descriptions.
include-path = "/api/v1/devices"
include-method = "POST"
checks.positive_data_acceptance.enabled = false

[[operations]]
# Attribute names (tests/devices/test_registry.py).
include-path = "/api/v1/devices/{{uid}}"
include-method = "PATCH"
checks.positive_data_acceptance.enabled = false

[[operations]]
# Module names (tests/rollouts/test_checkin_api.py).
include-path = "/api/v1/device/check-in"
checks.positive_data_acceptance.enabled = false

[[operations]]
# Each condition's operator takes fields and values of its own kind (tests/rollouts/test_conditions.py).
include-path-regex = "^/api/v1/device-filters"
include-method-regex = "^(POST|PUT|PATCH)$"
checks.positive_data_acceptance.enabled = false

[[operations]]
# Attribute names (tests/ddi/test_config_data.py).
include-path = "/{{tenant}}/controller/v1/{{controllerId}}/configData"
checks.positive_data_acceptance.enabled = false

[[operations]]
# Either `release` or `version` is needed (tests/rollouts/test_release_names.py).
include-path = "/api/v1/devices/{{uid}}/explain"
checks.positive_data_acceptance.enabled = false

[[operations]]
# IoTDA's object keys end in one of its file types, in any case (tests/catalog/api/test_packages.py).
include-path = "/v5/iot/{{project_id}}/ota-upgrades/packages"
include-method = "POST"
checks.positive_data_acceptance.enabled = false
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=10).status == 200
    except OSError:
        return False


@pytest.fixture
def portal_url(s3_server, tmp_path):
    """The portal under gunicorn on the test database; bad credentials are never throttled here."""
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("wb")  # a pipe nobody reads would block the workers once full
    environment = dict(os.environ, DATABASE_URL=services.test_database_url(),
                       DJANGO_SETTINGS_MODULE="otaportal.settings.test", OTA_AUTH_FAILURE_LIMIT="1000000")
    # No request-line limit: gunicorn's own 414 comes before Django and is documented in
    # docs/operations.md, not in the API's schema.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "otaportal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "60", "--graceful-timeout", "5", "--limit-request-line", "0"],
        cwd=services.ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        services.wait_for(lambda: _answers(f"{url}/api/schema/") or server.poll() is not None,
                          message="gunicorn")
        assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
        yield url
    finally:
        server.terminate()
        server.wait(15)
        log.close()


def test_the_api_answers_as_its_schema_documents(portal_url, api_token, device, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(api_token=api_token, device_token=device.token, device_uid=device.uid))

    run = subprocess.run(
        [str(SCHEMATHESIS), "--config-file", str(config), "run", f"{portal_url}/api/schema/",
         "--max-examples", str(MAX_EXAMPLES), "--phases", "examples,fuzzing",
         "--exclude-path-regex", EXCLUDED_PATHS, "--seed", "1", "--workers", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )

    assert run.returncode == 0, run.stdout[-30000:]
