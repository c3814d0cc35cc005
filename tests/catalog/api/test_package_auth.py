"""Who may use the package API: SDK-HMAC-SHA256 signatures (made by the SDK's own signer), X-Auth-Token, Bearer."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import AccessKey, ApiToken, Release
from tests.factories import ReleaseFactory

from .conftest import PACKAGES_URL, sdk_signed, send
from otaportal import last_use

pytestmark = pytest.mark.django_db

SDK_DATE = "%Y%m%dT%H%M%SZ"


def assert_unauthorized(response):
    assert response.status_code == 401, response.content
    assert response.json()["error_code"] == "IOTDA.000002"


def test_signed_get_is_answered(access_key, iot_product):
    release = ReleaseFactory(product=iot_product)
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret,
                                 query=[("limit", 5), ("product_id", iot_product.key)])

    response = send(APIClient(), "GET", uri, headers)

    assert response.status_code == 200, response.json()
    assert [package["package_id"] for package in response.json()["packages"]] == [release.id.hex]


def test_signed_post_creates_the_package(access_key, package_body):
    key, secret = access_key
    uri, headers, payload = sdk_signed("POST", PACKAGES_URL, key.access_key_id, secret, body=package_body())

    response = send(APIClient(), "POST", uri, headers, payload)

    assert response.status_code == 201, response.json()


def test_signed_request_records_when_the_key_was_used(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret)

    send(APIClient(), "GET", uri, headers)
    last_use.write_buffered()  # beat's flush

    key.refresh_from_db()
    assert key.last_used_at is not None


def test_wrong_secret_answers_401(access_key):
    key, _ = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, "not-the-secret")

    assert_unauthorized(send(APIClient(), "GET", uri, headers))


def test_tampered_body_answers_401_and_creates_nothing(access_key, package_body):
    key, secret = access_key
    uri, headers, payload = sdk_signed("POST", PACKAGES_URL, key.access_key_id, secret, body=package_body())

    response = send(APIClient(), "POST", uri, headers, payload.replace(b"V2.0", b"V6.6"))

    assert_unauthorized(response)
    assert not Release.objects.exists()


def test_tampered_query_answers_401(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret, query=[("limit", 5)])

    assert_unauthorized(send(APIClient(), "GET", uri.replace("limit=5", "limit=50"), headers))


def test_other_path_than_signed_answers_401(access_key):
    key, secret = access_key
    release = ReleaseFactory()
    uri, headers, _ = sdk_signed("GET", f"{PACKAGES_URL}/{release.id.hex}", key.access_key_id, secret)

    assert_unauthorized(send(APIClient(), "DELETE", uri, headers))
    assert Release.objects.filter(pk=release.pk).exists()


def test_changed_signed_header_answers_401(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret, headers={"Instance-Id": "a"})

    assert_unauthorized(send(APIClient(), "GET", uri, {**headers, "Instance-Id": "b"}))


@pytest.mark.parametrize("minutes", [16, -16])
def test_date_more_than_fifteen_minutes_off_answers_401(access_key, minutes):
    key, secret = access_key
    stale = (datetime.utcnow() + timedelta(minutes=minutes)).strftime(SDK_DATE)
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret, headers={"X-Sdk-Date": stale})

    response = send(APIClient(), "GET", uri, headers)

    assert_unauthorized(response)
    assert "X-Sdk-Date" in response.json()["error_msg"]


def test_date_fourteen_minutes_off_is_accepted(access_key):
    key, secret = access_key
    skewed = (datetime.utcnow() - timedelta(minutes=14)).strftime(SDK_DATE)
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret, headers={"X-Sdk-Date": skewed})

    assert send(APIClient(), "GET", uri, headers).status_code == 200


def test_unparseable_date_answers_401(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret)

    response = send(APIClient(), "GET", uri, {**headers, "X-Sdk-Date": "2026-01-15 08:00:00"})

    assert_unauthorized(response)
    assert "yyyyMMdd'T'HHmmss'Z'" in response.json()["error_msg"]


def test_unknown_access_key_answers_401(db):
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, "NOSUCHKEY00000000000", "secret")

    assert_unauthorized(send(APIClient(), "GET", uri, headers))


def test_revoked_access_key_answers_401(access_key):
    key, secret = access_key
    key.revoke()
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret)

    assert_unauthorized(send(APIClient(), "GET", uri, headers))


def test_expired_access_key_answers_401(access_key):
    key, secret = access_key
    AccessKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret)

    assert_unauthorized(send(APIClient(), "GET", uri, headers))


def test_malformed_signature_header_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="SDK-HMAC-SHA256 Access=AK, Signature=abc", HTTP_X_SDK_DATE="x")

    assert_unauthorized(client.get(PACKAGES_URL))


def test_signature_that_leaves_out_the_date_answers_401(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret)
    access, _, signature = headers["Authorization"].split(", ")
    headers["Authorization"] = f"{access}, SignedHeaders=content-type;host, {signature}"

    response = send(APIClient(), "GET", uri, headers)

    assert_unauthorized(response)
    assert "X-Sdk-Date must be one of the signed headers" in response.json()["error_msg"]


def test_signed_request_of_a_user_without_permission_answers_403(user_with):
    key, secret = AccessKey.issue(user_with("view_release"))
    uri, headers, payload = sdk_signed("POST", PACKAGES_URL, key.access_key_id, secret, body={})

    response = send(APIClient(), "POST", uri, headers, payload)

    assert response.status_code == 403
    assert response.json()["error_code"] == "IOTDA.000004"


def test_no_credentials_answers_401_with_the_signing_scheme(anonymous_api):
    response = anonymous_api.get(PACKAGES_URL)

    assert_unauthorized(response)
    assert response["WWW-Authenticate"] == "SDK-HMAC-SHA256"


def test_x_auth_token_is_accepted(api_token):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=api_token)

    assert client.get(PACKAGES_URL).status_code == 200


def test_invalid_x_auth_token_answers_401(db):
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN="ota_0123456789ab_wrong")

    assert_unauthorized(client.get(PACKAGES_URL))


def test_revoked_x_auth_token_answers_401(user_with):
    token, plaintext = ApiToken.issue(user_with("view_release"))
    token.revoke()
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=plaintext)

    assert_unauthorized(client.get(PACKAGES_URL))


def test_bearer_token_is_accepted(api):
    assert api.get(PACKAGES_URL).status_code == 200


@pytest.mark.parametrize(("method", "codenames"), [("GET", ()), ("POST", ("view_release",)),
                                                   ("DELETE", ("view_release", "add_release"))])
def test_token_without_the_model_permission_answers_403(user_with, client_for, method, codenames):
    release = ReleaseFactory()
    client = client_for(user_with(*codenames))
    url = f"{PACKAGES_URL}/{release.id.hex}" if method == "DELETE" else PACKAGES_URL

    response = client.generic(method, url, "{}", content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error_code"] == "IOTDA.000004"
    assert Release.objects.filter(pk=release.pk).exists()


def test_signed_query_needing_percent_encoding_passes_authentication(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret,
                                 query=[("product_id", "a b/é~+"), ("version", "V1"), ("app_id", "")])

    response = send(APIClient(), "GET", uri, headers)

    assert response.status_code == 400  # past authentication, refused by the product_id rule
    assert "product_id" in response.json()["error_msg"]


def test_signed_non_ascii_header_value_is_accepted(access_key):
    key, secret = access_key
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, key.access_key_id, secret, headers={"Instance-Id": "usine-é"})

    assert send(APIClient(), "GET", uri, headers).status_code == 200


def test_signed_body_over_the_request_size_limit_answers_400(access_key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    key, secret = access_key
    uri, headers, payload = sdk_signed("POST", PACKAGES_URL, key.access_key_id, secret,
                                       body={"description": "d" * 2000})

    response = send(APIClient(), "POST", uri, headers, payload)

    assert response.status_code == 400
    assert response.json()["error_code"] == "IOTDA.000008"
