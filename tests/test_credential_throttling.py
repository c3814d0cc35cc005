"""Failed management credentials are counted per client address like failed device tokens:
past OTA_AUTH_FAILURE_LIMIT in a minute the address is answered 429 with Retry-After,
in each surface's error shape, even when it then sends valid credentials."""

import pytest
from rest_framework.test import APIClient

from catalog.models import ApiToken
from tests.catalog.api.conftest import PACKAGES_URL, VERSIONS_URL, sdk_signed, send

pytestmark = pytest.mark.django_db

GUESSER, BYSTANDER = "203.0.113.7", "198.51.100.4"
GUESS = "Bearer ota_000000000000_guess"


def bad_bearer(address):
    return APIClient().get(VERSIONS_URL, HTTP_AUTHORIZATION=GUESS, REMOTE_ADDR=address)


def bad_x_auth_token(address):
    return APIClient().get(PACKAGES_URL, HTTP_X_AUTH_TOKEN="ota_000000000000_guess", REMOTE_ADDR=address)


def bad_signature(address):
    uri, headers, _ = sdk_signed("GET", PACKAGES_URL, "NOSUCHKEY00000000000", "guessed-secret")
    return send(APIClient(REMOTE_ADDR=address), "GET", uri, headers)


def forged_kaa_link(address):
    return APIClient().get("/otao/files/forged.link.token", REMOTE_ADDR=address)


# (how the credential is sent, status of one refusal, the error message's key in the surface's shape)
BAD_CREDENTIALS = [
    (bad_bearer, 401, "detail"),
    (bad_x_auth_token, 401, "error_msg"),
    (bad_signature, 401, "error_msg"),
    (forged_kaa_link, 403, "message"),
]
IDS = [send_bad.__name__ for send_bad, *_ in BAD_CREDENTIALS]


@pytest.fixture
def limit_of_three(settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 3


@pytest.mark.parametrize(("send_bad", "refused", "message_key"), BAD_CREDENTIALS, ids=IDS)
def test_failures_past_the_limit_answer_429(limit_of_three, send_bad, refused, message_key):
    statuses = [send_bad(GUESSER).status_code for _ in range(5)]

    assert statuses == [refused] * 3 + [429] * 2


@pytest.mark.parametrize(("send_bad", "refused", "message_key"), BAD_CREDENTIALS, ids=IDS)
def test_the_429_says_when_to_retry_in_the_surfaces_shape(limit_of_three, send_bad, refused, message_key):
    for _ in range(3):
        send_bad(GUESSER)

    response = send_bad(GUESSER)

    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many invalid credentials from this address" in response.json()[message_key]


def test_the_iotda_429_carries_the_portals_own_code(limit_of_three):
    for _ in range(3):
        bad_x_auth_token(GUESSER)

    assert bad_x_auth_token(GUESSER).json()["error_code"] == "OTA.000429"


def test_failures_of_every_kind_add_up(limit_of_three):
    bad_bearer(GUESSER)
    bad_signature(GUESSER)
    forged_kaa_link(GUESSER)

    assert bad_x_auth_token(GUESSER).status_code == 429


@pytest.mark.parametrize(("address", "status"), [(GUESSER, 429), (BYSTANDER, 200)],
                         ids=["the guessing address, even with a valid token", "another address"])
def test_after_the_limit_only_the_guessing_address_is_refused(limit_of_three, admin_user, address, status):
    _, plaintext = ApiToken.issue(admin_user)
    for _ in range(3):
        bad_bearer(GUESSER)

    response = APIClient().get(VERSIONS_URL, HTTP_AUTHORIZATION=f"Bearer {plaintext}", REMOTE_ADDR=address)

    assert response.status_code == status


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(limit_of_three, settings):
    settings.OTA_TRUSTED_PROXY_COUNT = 1
    for _ in range(3):
        APIClient().get(VERSIONS_URL, HTTP_AUTHORIZATION=GUESS, REMOTE_ADDR="10.0.0.2",
                        HTTP_X_FORWARDED_FOR=GUESSER)

    assert bad_bearer(GUESSER).status_code == 429
