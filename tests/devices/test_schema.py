import pytest

pytestmark = pytest.mark.django_db

DEVICE_PATHS = [
    "/api/v2/ota-files",
    "/api/v2/ota-files/{id}/file",
    "/api/v1/deviceUser/read-only/models/firmware",
    "/api/v1/deviceUser/read-only/models/firmware/{id}",
    "/api/v1/devices",
    "/api/v1/devices/{uid}",
    "/api/v1/devices/{uid}/deactivate",
    "/api/v1/devices/{uid}/activate",
    "/api/v1/devices/{uid}/rotate-token",
]


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize("path", DEVICE_PATHS)
def test_the_openapi_schema_covers_the_device_paths(schema, path):
    assert path in schema["paths"]


def test_the_device_file_api_is_documented_with_the_device_token_scheme(schema):
    operation = schema["paths"]["/api/v2/ota-files"]["get"]

    assert operation["security"] == [{"deviceToken": []}]
    assert schema["components"]["securitySchemes"]["deviceToken"]["name"] == "x-access-token"
    assert {parameter["name"] for parameter in operation["parameters"]} == {"module", "isActive"}


def test_the_download_documents_ranges_and_its_answers(schema):
    operation = schema["paths"]["/api/v2/ota-files/{id}/file"]["get"]

    assert {"200", "206", "302", "401", "404", "416", "429"} <= set(operation["responses"])
    assert {"Range", "If-Range"} <= {parameter["name"] for parameter in operation["parameters"]}


def test_the_file_fields_are_documented(schema):
    properties = schema["components"]["schemas"]["OtaFile"]["properties"]

    assert list(properties) == ["id", "version", "module", "isActive", "fileName", "fileSize",
                                "sha256Checksum", "releaseNotes", "createdAt"]
