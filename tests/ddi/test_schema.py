import pytest

pytestmark = pytest.mark.django_db

BASE = "/{tenant}/controller/v1/{controllerId}"
OPERATIONS = {
    BASE: "get",
    f"{BASE}/deploymentBase/{{actionId}}": "get",
    f"{BASE}/deploymentBase/{{actionId}}/feedback": "post",
    f"{BASE}/configData": "put",
    f"{BASE}/cancelAction/{{actionId}}": "get",
    f"{BASE}/cancelAction/{{actionId}}/feedback": "post",
    f"{BASE}/installedBase/{{actionId}}": "get",
    f"{BASE}/softwaremodules/{{softwareModuleId}}/artifacts": "get",
    f"{BASE}/softwaremodules/{{softwareModuleId}}/artifacts/{{fileName}}": "get",
}


def test_the_openapi_schema_describes_every_ddi_resource_with_hawkbits_error_shape(anonymous_api):
    schema = anonymous_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path, method in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["security"] == [{"ddiToken": []}], path
        assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ExceptionInfo"}, path
    assert set(schema["components"]["schemas"]["ExceptionInfo"]["properties"]) == {
        "exceptionClass", "errorCode", "message", "parameters"}
    assert schema["components"]["securitySchemes"]["ddiToken"]["name"] == "Authorization"
    feedback = schema["components"]["schemas"]["StatusRequest"]["properties"]
    assert set(feedback) >= {"execution", "result", "code", "details"}
