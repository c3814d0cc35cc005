"""Who may call the Kaa API: a bearer token (401 without), Kaa's scopes and the user's permissions (403)."""

import io

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from catalog.models import ApiToken, Scope
from tests.factories import DeviceFactory, ReleaseFactory, UserFactory

from .conftest import BASE, software_url

pytestmark = pytest.mark.django_db

READ, UPDATE, DELETE, ENDPOINT = KAA_SCOPES = (Scope.SOFTWARE_READ, Scope.SOFTWARE_UPDATE, Scope.SOFTWARE_DELETE,
                                               Scope.ENDPOINT_READ)
# The portal's scopes that grant the same as each of Kaa's (README, "Token scopes").
PORTAL_EQUIVALENTS = {
    READ: [Scope.CATALOG_READ, Scope.ROLLOUTS_READ],
    UPDATE: [Scope.CATALOG_WRITE, Scope.ROLLOUTS_WRITE],
    DELETE: [Scope.CATALOG_WRITE, Scope.ROLLOUTS_WRITE],
    ENDPOINT: [Scope.DEVICES_READ],
}


def upload_body():
    handle = io.BytesIO(b"new firmware")
    handle.name = "app.bin"
    return {"file": handle}


# (method, path, body, scope it needs, status when allowed)
OPERATIONS = [
    ("get", software_url(), None, READ, 200),
    ("get", software_url("smart-kettle", "1.0.2"), None, READ, 200),
    ("post", software_url("smart-kettle", "2.0.0"), {"rolloutStrategy": "general"}, UPDATE, 201),
    ("put", software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general"}, UPDATE, 204),
    ("delete", software_url("smart-kettle", "1.0.2"), None, DELETE, 204),
    ("put", software_url("smart-kettle", "1.0.2", "files"), "upload", UPDATE, 204),
    ("delete", software_url("smart-kettle", "1.0.2", "files", "sketch.bin"), None, DELETE, 204),
    ("get", software_url("smart-kettle", "1.0.2", "files", "sketch.bin", "links"), None, READ, 200),
    ("get", f"{BASE}/endpoints/kettle-1/software/current", None, ENDPOINT, 200),
]
IDS = [f"{method} {path.removeprefix(BASE)}" for method, path, *_ in OPERATIONS]


@pytest.fixture
def world(kettle, verified_release):
    verified_release(product=kettle, version="1.0.2", file_name="sketch.bin")
    ReleaseFactory(product=kettle, version="1.0.1")
    DeviceFactory(uid="kettle-1", product=kettle, installed_versions={"default": "1.0.1"})


def call(client, method, path, body):
    if body == "upload":
        return getattr(client, method)(path, upload_body(), format="multipart")
    return getattr(client, method)(path, body, format="json") if body else getattr(client, method)(path)


def token_client(user, scopes=()):
    _, plaintext = ApiToken.issue(user, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_without_a_token_every_operation_is_401(world, method, path, body, scope, allowed):
    response = call(APIClient(), method, path, body)

    assert response.status_code == 401
    assert response.json() == {"message": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_with_a_bad_token_every_operation_is_401(world, method, path, body, scope, allowed):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ota_000000000000_forged")

    response = call(client, method, path, body)

    assert response.status_code == 401
    assert response.json() == {"message": "Invalid, expired or revoked token."}


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_a_token_with_every_kaa_scope_but_the_needed_one_is_403(world, admin_user, method, path, body, scope,
                                                                allowed):
    client = token_client(admin_user, scopes=[other for other in KAA_SCOPES if other != scope])

    response = call(client, method, path, body)

    assert response.status_code == 403
    assert response.json() == {"message": "The token's scopes do not allow this operation."}


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_a_token_with_only_the_needed_scope_is_allowed(world, admin_user, method, path, body, scope, allowed):
    client = token_client(admin_user, scopes=[scope])

    response = call(client, method, path, body)

    assert response.status_code == allowed, response.content


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_the_portals_equivalent_scopes_are_allowed(world, admin_user, method, path, body, scope, allowed):
    client = token_client(admin_user, scopes=PORTAL_EQUIVALENTS[scope])

    response = call(client, method, path, body)

    assert response.status_code == allowed, response.content


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_half_of_the_portals_equivalent_scopes_is_403(world, admin_user, method, path, body, scope, allowed):
    client = token_client(admin_user, scopes=PORTAL_EQUIVALENTS[scope][1:] or [Scope.DEVICES_WRITE])

    response = call(client, method, path, body)

    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path", "body", "scope", "allowed"), OPERATIONS, ids=IDS)
def test_a_user_without_model_permissions_is_403_whatever_the_scopes(world, method, path, body, scope, allowed):
    client = token_client(UserFactory(username="intruder"))

    response = call(client, method, path, body)

    assert response.status_code == 403
    assert "message" in response.json()


def test_a_user_with_view_permission_may_read_but_not_write(world):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_release"))
    client = token_client(reader)

    assert client.get(software_url()).status_code == 200
    assert client.put(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general"},
                      format="json").status_code == 403
