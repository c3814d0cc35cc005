import pytest

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/device/check-in": {"post"},
    "/api/v1/device/updates/{id}/status": {"get", "post"},
    "/api/v1/device-filters": {"get", "post"},
    "/api/v1/device-filters/{id}": {"get", "put", "delete"},
    "/api/v1/device-filters/{id}/preview": {"get"},
    "/api/v1/rollouts": {"get"},
    "/api/v1/rollouts/{release_id}": {"get", "patch"},
    "/api/v1/rollouts/{release_id}/start": {"post"},
    "/api/v1/rollouts/{release_id}/pause": {"post"},
    "/api/v1/rollouts/{release_id}/resume": {"post"},
    "/api/v1/rollouts/{release_id}/abort": {"post"},
    "/api/v1/rollouts/{release_id}/advance": {"post"},
    "/api/v1/rollouts/{release_id}/dry-run": {"get"},
    "/api/v1/devices/{uid}/explain": {"get"},
}


def test_the_openapi_schema_describes_the_rollout_and_check_in_apis(anonymous_api):
    paths = anonymous_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    for path, methods in PATHS.items():
        assert path in paths, path
        assert set(paths[path]) >= methods, path
    check_in = paths["/api/v1/device/check-in"]["post"]
    assert set(check_in["responses"]) >= {"200", "204", "400"}
    assert check_in["security"] == [{"deviceToken": []}]
    assert "409" in paths["/api/v1/device/updates/{id}/status"]["post"]["responses"]
