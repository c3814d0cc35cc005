"""What a token's scopes allow on every management API: one vocabulary, deny by default.

A token limited to scopes may call an operation only if its scopes grant every scope
the view names for the method; a view or method naming none is refused to it. A token
never exceeds its user's Django permissions.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from catalog.api.authentication import BearerTokenAuthentication, SignedRequestAuthentication
from catalog.api.permissions import TokenScopes
from catalog.models import ApiToken, Release, Scope
from rollouts.models import DeviceFilter
from tests.factories import DeviceFactory, ReleaseFactory, UserFactory
from tests.rollouts.factories import DeviceFilterFactory

CATALOG_READ, CATALOG_WRITE = Scope.CATALOG_READ, Scope.CATALOG_WRITE
DEVICES_READ, DEVICES_WRITE = Scope.DEVICES_READ, Scope.DEVICES_WRITE
ROLLOUTS_READ, ROLLOUTS_WRITE = Scope.ROLLOUTS_READ, Scope.ROLLOUTS_WRITE
KAA_READ_ONLY = (Scope.SOFTWARE_READ, Scope.ENDPOINT_READ)
PACKAGES_PATH = "/v5/iot/{project_id}/ota-upgrades/packages"
PACKAGES = PACKAGES_PATH.format(project_id="0a1b2c3d4e5f60718293a4b5c6d7e8f9")
VERSION, DEVICE, FILTER, ROLLOUT = "{version}", "{device}", "{filter}", "{rollout}"
DEPRECATE = f"/api/v1/ota/versions/{VERSION}/deprecate"

# (method, path, body, the scopes it needs, status once allowed). Bodies only need to get
# past authorization: some are refused afterwards by validation, which proves they got there.
OPERATIONS = [
    ("get", "/api/v1/ota/versions", None, {CATALOG_READ}, 200),
    ("get", f"/api/v1/ota/versions/{VERSION}", None, {CATALOG_READ}, 200),
    ("post", "/api/v1/ota/versions", {}, {CATALOG_WRITE}, 400),
    ("post", DEPRECATE, {"reason": "broken"}, {CATALOG_WRITE}, 200),
    ("put", f"/api/v1/ota/versions/{VERSION}/file", None, {CATALOG_WRITE}, 400),
    ("get", PACKAGES, None, {CATALOG_READ}, 200),
    ("get", f"{PACKAGES}/{{package}}", None, {CATALOG_READ}, 200),
    ("post", PACKAGES, {}, {CATALOG_WRITE}, 400),
    ("delete", f"{PACKAGES}/{{package}}", None, {CATALOG_WRITE}, 204),
    ("get", "/api/v1/devices", None, {DEVICES_READ}, 200),
    ("get", f"/api/v1/devices/{DEVICE}", None, {DEVICES_READ}, 200),
    ("post", "/api/v1/devices", {}, {DEVICES_WRITE}, 400),
    ("patch", f"/api/v1/devices/{DEVICE}", {"name": "Hall"}, {DEVICES_WRITE}, 200),
    ("post", f"/api/v1/devices/{DEVICE}/deactivate", {}, {DEVICES_WRITE}, 200),
    ("post", f"/api/v1/devices/{DEVICE}/activate", {}, {DEVICES_WRITE}, 200),
    ("post", f"/api/v1/devices/{DEVICE}/rotate-token", {}, {DEVICES_WRITE}, 200),
    ("get", f"/api/v1/devices/{DEVICE}/explain?release={ROLLOUT}", None, {DEVICES_READ, ROLLOUTS_READ}, 200),
    ("get", "/api/v1/device-filters", None, {ROLLOUTS_READ}, 200),
    ("get", f"/api/v1/device-filters/{FILTER}", None, {ROLLOUTS_READ}, 200),
    ("get", f"/api/v1/device-filters/{FILTER}/preview", None, {ROLLOUTS_READ}, 200),
    ("post", "/api/v1/device-filters", {"name": "beta", "conditions": []}, {ROLLOUTS_WRITE}, 201),
    ("put", f"/api/v1/device-filters/{FILTER}", {"name": "eu", "conditions": []}, {ROLLOUTS_WRITE}, 200),
    ("delete", f"/api/v1/device-filters/{FILTER}", None, {ROLLOUTS_WRITE}, 204),
    ("get", "/api/v1/rollouts", None, {ROLLOUTS_READ}, 200),
    ("get", f"/api/v1/rollouts/{ROLLOUT}", None, {ROLLOUTS_READ}, 200),
    ("get", f"/api/v1/rollouts/{ROLLOUT}/dry-run", None, {ROLLOUTS_READ}, 200),
    ("patch", f"/api/v1/rollouts/{ROLLOUT}", {"strategy": "general"}, {ROLLOUTS_WRITE}, 200),
    ("post", f"/api/v1/rollouts/{ROLLOUT}/start", {"strategy": "general"}, {ROLLOUTS_WRITE}, 200),
    # The rollout is a draft: pause and resume are let through, then refused by the rollout (409).
    ("post", f"/api/v1/rollouts/{ROLLOUT}/pause", {"reason": "wait"}, {ROLLOUTS_WRITE}, 409),  # draft
    ("post", f"/api/v1/rollouts/{ROLLOUT}/resume", {}, {ROLLOUTS_WRITE}, 409),  # draft
    ("post", f"/api/v1/rollouts/{ROLLOUT}/advance", {}, {ROLLOUTS_WRITE}, 409),
    ("post", f"/api/v1/rollouts/{ROLLOUT}/abort", {"reason": "bad"}, {ROLLOUTS_WRITE}, 200),
    ("get", "/api/v1/products/thermostat/maintenance-windows", None, {ROLLOUTS_READ}, 200),
    ("post", "/api/v1/products/thermostat/maintenance-windows", {"schedule": "0 2 * * *", "duration": "3:00:00"},
     {ROLLOUTS_WRITE}, 201),
    ("delete", "/api/v1/products/thermostat/maintenance-windows/999999", None, {ROLLOUTS_WRITE}, 404),
    ("get", f"/api/v1/rollouts/{ROLLOUT}/maintenance-windows", None, {ROLLOUTS_READ}, 200),
    ("post", f"/api/v1/rollouts/{ROLLOUT}/maintenance-windows", {"schedule": "0 2 * * *", "duration": "1:00:00"},
     {ROLLOUTS_WRITE}, 201),
    ("delete", f"/api/v1/rollouts/{ROLLOUT}/maintenance-windows/999999", None, {ROLLOUTS_WRITE}, 404),
    ("get", f"/api/v1/devices/{DEVICE}/auto-confirm", None, {DEVICES_READ}, 200),
    ("put", f"/api/v1/devices/{DEVICE}/auto-confirm", {"active": True}, {DEVICES_WRITE}, 200),
]
IDS = [f"{method} {path}" for method, path, *_ in OPERATIONS]


@pytest.fixture
def world(product):
    """A version with its rollout, a device and a device filter; the paths' placeholders filled in."""
    release = ReleaseFactory(product=product, version="1.0.0")
    device = DeviceFactory(uid="dev-1", product=product)
    device_filter = DeviceFilterFactory(name="eu")
    return {"version": release.public_id, "package": release.id.hex, "rollout": release.pk,
            "device": device.uid, "filter": device_filter.pk}


def client_of(user, scopes=()):
    _, plaintext = ApiToken.issue(user, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def call(client, method, path, body, world):
    return getattr(client, method)(path.format(**world), body, format="json")


def kaas_read_scopes(needed):
    """The issue's token: Kaa's names grant Kaa's operations only, so it may change nothing here."""
    return KAA_READ_ONLY


def every_scope_but_one_needed(needed):
    return [scope for scope in Scope.values if scope != sorted(needed)[0]]


@pytest.mark.django_db
@pytest.mark.parametrize("scopes_lacking", [kaas_read_scopes, every_scope_but_one_needed])
@pytest.mark.parametrize(("method", "path", "body", "needed", "allowed"), OPERATIONS, ids=IDS)
def test_a_token_lacking_a_needed_scope_is_refused(world, admin_user, scopes_lacking, method, path, body,
                                                    needed, allowed):
    client = client_of(admin_user, scopes=scopes_lacking(needed))

    response = call(client, method, path, body, world)

    assert response.status_code == 403, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body", "needed", "allowed"), OPERATIONS, ids=IDS)
def test_a_token_with_only_the_needed_scopes_is_let_through(world, admin_user, method, path, body, needed,
                                                             allowed):
    client = client_of(admin_user, scopes=needed)

    response = call(client, method, path, body, world)

    assert response.status_code == allowed, response.content


@pytest.mark.django_db
def test_the_refusal_names_the_scopes(world, admin_user):
    client = client_of(admin_user, scopes=[CATALOG_READ])

    response = client.post(DEPRECATE.format(**world), {"reason": "x"}, format="json")

    assert response.json() == {"detail": "The token's scopes do not allow this operation."}
    assert Release.objects.get(pk=world["rollout"]).deprecated_at is None


@pytest.mark.django_db
def test_a_head_request_needs_the_read_scope(world, admin_user):
    assert client_of(admin_user, scopes=[CATALOG_READ]).head("/api/v1/ota/versions").status_code == 200
    assert client_of(admin_user, scopes=[CATALOG_WRITE]).head("/api/v1/ota/versions").status_code == 403


@pytest.mark.django_db
def test_a_full_token_never_exceeds_its_users_permissions(world):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_release"))
    client = client_of(reader)

    response = client.post(DEPRECATE.format(**world), {"reason": "x"}, format="json")

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_write_scope_does_not_exceed_its_users_permissions(world):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_devicefilter"))
    client = client_of(reader, scopes=[ROLLOUTS_READ, ROLLOUTS_WRITE])

    response = client.post("/api/v1/device-filters", {"name": "beta", "conditions": []}, format="json")

    assert response.status_code == 403
    assert not DeviceFilter.objects.filter(name="beta").exists()


class ViewNamingNoScopes(APIView):
    permission_classes = [TokenScopes]

    def get(self, request):
        return Response({})


@pytest.mark.django_db
@pytest.mark.parametrize(("scopes", "status"), [([CATALOG_READ], 403), ([], 200)],
                         ids=["a scoped token is refused", "a token with no scopes is let through"])
def test_a_view_naming_no_scopes_grants_none(admin_user, scopes, status):
    _, plaintext = ApiToken.issue(admin_user, scopes=scopes)
    request = APIRequestFactory().get("/unnamed", HTTP_AUTHORIZATION=f"Bearer {plaintext}")

    assert ViewNamingNoScopes.as_view()(request).status_code == status


def management_routes(patterns=None, prefix=""):
    """(route, view callback) of every DRF view that accepts management credentials."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from management_routes(pattern.url_patterns, prefix + str(pattern.pattern))
            continue
        view_class = getattr(pattern.callback, "cls", None)
        if view_class is None:
            continue
        view = view_class(**pattern.callback.initkwargs)
        if any(issubclass(authentication, (BearerTokenAuthentication, SignedRequestAuthentication))
               for authentication in view.authentication_classes):
            yield prefix + str(pattern.pattern), pattern.callback


def methods_and_actions(callback):
    """The methods a route answers (HEAD is GET's), each with the viewset action it runs."""
    actions = getattr(callback, "actions", None)
    if actions is not None:
        return {**{method.upper(): action for method, action in actions.items() if method != "head"},
                "OPTIONS": "metadata"}
    methods = [method for method in callback.cls.http_method_names if hasattr(callback.cls, method)]
    return {method.upper(): None for method in methods}


def unguarded(route, callback):
    """What a route's methods lack: a declared scope, or TokenScopes among its permissions."""
    faults = []
    for method, action in methods_and_actions(callback).items():
        view = callback.cls(**callback.initkwargs)
        view.action = action
        if method not in getattr(view, "required_scopes", {}):
            faults.append(f"{method} {route}: no required scope")
        if not any(isinstance(permission, TokenScopes) for permission in view.get_permissions()):
            faults.append(f"{method} {route}: TokenScopes is not among its permissions")
    return faults


def test_the_walk_finds_every_management_surface():
    routes = [route for route, _ in management_routes()]

    for expected in ("api/v1/ota/versions", "ota-upgrades/packages", "api/v1/devices", "device-filters",
                     "api/v1/rollouts", "explain", "otao/api/v1/applications"):
        assert any(expected in route for route in routes), expected


def test_every_management_view_names_a_scope_for_every_method():
    faults = [fault for route, callback in management_routes() for fault in unguarded(route, callback)]

    assert faults == []


@pytest.fixture(scope="module")
def schema_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path): operation for path, operations in schema["paths"].items()
            for method, operation in operations.items()}


def test_each_operations_security_requirement_names_the_scopes_it_needs(schema_operations):
    assert schema_operations["POST", "/api/v1/ota/versions"]["security"] == [{"bearerToken": [CATALOG_WRITE]}]
    assert schema_operations["GET", "/api/v1/devices/{uid}/explain"]["security"] == [
        {"bearerToken": [DEVICES_READ, ROLLOUTS_READ]}]


def test_a_kaa_operation_may_be_called_with_kaas_scope_or_the_portals(schema_operations):
    software = schema_operations["GET", "/otao/api/v1/applications/{appName}/software"]

    assert software["security"] == [{"bearerToken": [Scope.SOFTWARE_READ]},
                                    {"bearerToken": [CATALOG_READ, ROLLOUTS_READ]}]


def test_package_tokens_name_their_scopes_and_key_pairs_none(schema_operations):
    delete = schema_operations["DELETE", f"{PACKAGES_PATH}/{{package_id}}"]

    assert delete["security"] == [{"sdkHmacSha256": []}, {"authTokenHeader": [CATALOG_WRITE]},
                                  {"bearerToken": [CATALOG_WRITE]}]


def test_every_operation_of_a_scoped_scheme_names_its_scopes(schema_operations):
    unnamed = [f"{method} {path}" for (method, path), operation in schema_operations.items()
               for requirement in operation.get("security", [])
               for scheme, scopes in requirement.items()
               if scheme in ("bearerToken", "authTokenHeader") and not scopes]

    assert unnamed == []
