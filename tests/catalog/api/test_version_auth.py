"""Who may use the version catalog: bearer tokens, and Django model permissions on releases."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import ApiToken
from tests.factories import ProductFactory, ReleaseFactory, UserFactory

from .conftest import VERSIONS_URL

pytestmark = pytest.mark.django_db


def bearer(plaintext):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def test_no_token_answers_401_with_the_scheme(anonymous_api):
    response = anonymous_api.get(VERSIONS_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "detail" in response.json()


def test_unknown_token_answers_401():
    response = bearer("ota_0123456789ab_notarealsecret").get(VERSIONS_URL)

    assert response.status_code == 401


def test_revoked_token_answers_401(user_with):
    token, plaintext = ApiToken.issue(user_with("view_release"))
    token.revoke()

    response = bearer(plaintext).get(VERSIONS_URL)

    assert response.status_code == 401


def test_expired_token_answers_401(user_with):
    token, plaintext = ApiToken.issue(user_with("view_release"))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = bearer(plaintext).get(VERSIONS_URL)

    assert response.status_code == 401


def test_token_of_an_inactive_user_answers_401():
    _, plaintext = ApiToken.issue(UserFactory(username="gone", is_active=False))

    response = bearer(plaintext).get(VERSIONS_URL)

    assert response.status_code == 401


def test_valid_token_without_permission_answers_403(user_with, client_for):
    client = client_for(user_with())

    response = client.get(VERSIONS_URL)

    assert response.status_code == 403


def test_view_permission_allows_reading(user_with, client_for):
    release = ReleaseFactory()
    client = client_for(user_with("view_release"))

    assert client.get(VERSIONS_URL).status_code == 200
    assert client.get(f"{VERSIONS_URL}/{release.public_id}").status_code == 200


def test_view_permission_does_not_allow_registering(user_with, client_for):
    client = client_for(user_with("view_release"))

    response = client.post(VERSIONS_URL, {"version": "1.0.0"}, format="json")

    assert response.status_code == 403


def test_add_permission_is_needed_to_register(user_with, client_for, settings):
    ProductFactory(key=settings.OTA_DEFAULT_PRODUCT)
    client = client_for(user_with("view_release", "add_release"))

    response = client.post(VERSIONS_URL, {"version": "1.0.0", "releaseNotes": "n", "sha256Checksum": "a" * 64,
                                          "fileSize": 1, "minAgentVersion": "1.0.0"}, format="json")

    assert response.status_code == 200


@pytest.mark.parametrize("codenames", [("view_release",), ("view_release", "add_release")])
def test_deprecating_needs_the_change_permission(user_with, client_for, codenames):
    release = ReleaseFactory()
    client = client_for(user_with(*codenames))

    response = client.post(f"{VERSIONS_URL}/{release.public_id}/deprecate", {"reason": "x"}, format="json")

    assert response.status_code == 403


def test_change_permission_allows_deprecating(user_with, client_for):
    release = ReleaseFactory()
    client = client_for(user_with("view_release", "change_release"))

    response = client.post(f"{VERSIONS_URL}/{release.public_id}/deprecate", {"reason": "x"}, format="json")

    assert response.status_code == 200


def test_uploading_needs_the_change_permission(user_with, client_for):
    release = ReleaseFactory()
    client = client_for(user_with("view_release", "add_release"))

    response = client.put(f"{VERSIONS_URL}/{release.public_id}/file", data=b"x",
                          content_type="application/octet-stream")

    assert response.status_code == 403
