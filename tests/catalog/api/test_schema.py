"""The OpenAPI schema at /api/schema/ describes both management APIs."""

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_has_the_version_catalog_paths(schema):
    paths = schema["paths"]
    assert set(paths["/api/v1/ota/versions"]) == {"get", "post"}
    assert paths["/api/v1/ota/versions"]["post"]["operationId"] == "RegisterVersion"
    assert "post" in paths["/api/v1/ota/versions/{version_id}/deprecate"]
    assert set(paths["/api/v1/ota/versions/{version_id}/file"]["put"]["requestBody"]["content"]) == {
        "application/octet-stream", "multipart/form-data"}


def test_schema_has_the_iotda_package_paths(schema):
    paths = schema["paths"]
    assert {paths["/v5/iot/{project_id}/ota-upgrades/packages"][method]["operationId"]
            for method in ("get", "post")} == {"ListOtaPackageInfo", "CreateOtaPackage"}
    assert {paths["/v5/iot/{project_id}/ota-upgrades/packages/{package_id}"][method]["operationId"]
            for method in ("get", "delete")} == {"ShowOtaPackage", "DeleteOtaPackage"}


def test_schema_describes_the_three_ways_to_authenticate(schema):
    assert {"bearerToken", "authTokenHeader", "sdkHmacSha256"} <= set(schema["components"]["securitySchemes"])


def test_schema_describes_the_register_version_body(schema):
    body = schema["components"]["schemas"]["RegisterVersionRequest"]
    assert set(body["required"]) == {"version", "releaseNotes", "sha256Checksum", "fileSize", "minAgentVersion"}


def test_schema_is_valid_openapi(tmp_path):
    call_command("spectacular", "--validate", "--file", str(tmp_path / "schema.yaml"))

    assert (tmp_path / "schema.yaml").stat().st_size > 0
