import pytest

pytestmark = pytest.mark.django_db

KAA_PATHS = [
    "/otao/api/v1/applications/{appName}/software",
    "/otao/api/v1/applications/{appName}/software/{softwareVersion}",
    "/otao/api/v1/applications/{appName}/software/{softwareVersion}/files",
    "/otao/api/v1/applications/{appName}/software/{softwareVersion}/files/{fileName}",
    "/otao/api/v1/applications/{appName}/software/{softwareVersion}/files/{fileName}/links",
    "/otao/api/v1/endpoints/{endpointId}/software/current",
]


def test_the_openapi_schema_describes_every_kaa_operation_with_its_error_shape(anonymous_api):
    response = anonymous_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    for path in KAA_PATHS:
        assert path in paths, path
    software = paths["/otao/api/v1/applications/{appName}/software/{softwareVersion}"]
    assert set(software) >= {"get", "post", "put", "delete"}
    assert set(software["post"]["responses"]) == {"201", "400", "401", "403", "404", "429"}
    assert software["post"]["security"] == [{"bearerToken": ["application:software:update"]},
                                            {"bearerToken": ["catalog:write", "rollouts:write"]}]
