"""The OpenAPI schema documents the errors every operation can answer, in its surface's shape."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def operations(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    return {f"{method.upper()} {path}": operation
            for path, methods in schema["paths"].items() for method, operation in methods.items()}


def test_every_operation_documents_400_and_429(operations):
    lacking = [name for name, operation in operations.items()
               if not {"400", "429"} <= set(operation["responses"])]

    assert lacking == []


def test_every_operation_with_a_security_requirement_documents_401(operations):
    lacking = [name for name, operation in operations.items()
               if operation.get("security") and "401" not in operation["responses"]]

    assert lacking == []


def test_every_operation_with_a_path_parameter_documents_404(operations):
    lacking = [name for name, operation in operations.items()
               if "{" in name and "404" not in operation["responses"]]

    assert lacking == []


def test_a_kaa_operation_documents_its_errors_in_kaas_shape(operations):
    responses = operations["GET /otao/api/v1/endpoints/{endpointId}/software/current"]["responses"]

    message = {"$ref": "#/components/schemas/Message"}
    assert responses["429"]["content"]["application/json"]["schema"] == message
