"""Who may call the DDI API for which controllerId: TargetToken, GatewayToken, tenants, foreign devices."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from devices import gateway_tokens
from tests.factories import DeviceFactory

from .conftest import base_url, ddi_client
from otaportal import last_use

pytestmark = pytest.mark.django_db


def assert_exception_info(response, status):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"exceptionClass", "errorCode", "message", "parameters"}
    return body


def test_a_device_polls_with_its_own_target_token(device, target_client):
    response = target_client(device).get(base_url(device.uid))

    assert response.status_code == 200
    assert response.json()["config"]["polling"]["sleep"] == "00:05:00"


def test_no_authorization_is_refused_with_401_in_hawkbits_shape(device):
    response = APIClient().get(base_url(device.uid))

    assert_exception_info(response, 401)
    assert response["WWW-Authenticate"].startswith("TargetToken")


@pytest.mark.parametrize("header", ["Bearer {token}", "TargetToken", "Basic Zm9vOmJhcg==", "{token}"])
def test_another_scheme_or_a_bare_token_is_refused(device, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(token=device.token))

    response = client.get(base_url(device.uid))

    assert_exception_info(response, 401)


def test_a_wrong_target_token_is_refused(device):
    response = ddi_client("dev_0123456789ab_not-the-secret").get(base_url(device.uid))

    assert_exception_info(response, 401)


def test_a_device_token_on_another_devices_controller_id_is_refused_and_shows_nothing(device, other_device,
                                                                                    target_client):
    response = target_client(device).get(base_url(other_device.uid))

    body = assert_exception_info(response, 401)
    assert other_device.uid not in body["message"]
    assert "config" not in body


def test_an_inactive_devices_token_is_refused(product, target_client):
    device = DeviceFactory(product=product, is_active=False)

    response = target_client(device).get(base_url(device.uid))

    assert_exception_info(response, 401)


def test_the_tenant_is_compared_without_letter_case(device, target_client):
    response = target_client(device).get(base_url(device.uid, tenant="default"))

    assert response.status_code == 200


def test_another_tenant_is_refused(device, target_client):
    response = target_client(device).get(base_url(device.uid, tenant="ACME"))

    body = assert_exception_info(response, 401)
    assert "tenant" in body["message"].lower()


@override_settings(OTA_DDI_TENANT="acme")
def test_the_tenant_comes_from_the_setting(device, target_client):
    assert target_client(device).get(base_url(device.uid, tenant="ACME")).status_code == 200
    assert target_client(device).get(base_url(device.uid, tenant="DEFAULT")).status_code == 401


def test_a_gateway_token_acts_for_a_device_of_its_product(device, gateway_client):
    response = gateway_client.get(base_url(device.uid))

    assert response.status_code == 200


def test_a_gateway_token_may_not_act_for_another_products_device(other_device, gateway_client):
    response = gateway_client.get(base_url(other_device.uid))

    assert_exception_info(response, 401)


def test_a_revoked_gateway_token_is_refused(device, gateway, gateway_client):
    gateway_tokens.revoke(gateway.token)

    response = gateway_client.get(base_url(device.uid))

    assert_exception_info(response, 401)


def test_a_gateway_token_records_its_last_use(device, gateway, gateway_client):
    gateway_client.get(base_url(device.uid))
    last_use.write_buffered()  # beat's flush

    gateway.token.refresh_from_db()
    assert gateway.token.last_used_at is not None


def test_a_poll_records_the_devices_last_contact(device, target_client):
    target_client(device).get(base_url(device.uid))
    last_use.write_buffered()  # beat's flush

    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_a_gateway_token_is_stored_as_a_prefix_and_a_hash(gateway):
    token = gateway.token

    assert gateway.plaintext.startswith(f"gw_{token.prefix}_")
    assert gateway.plaintext not in (token.digest, token.prefix)
    assert gateway_tokens.authenticate(gateway.plaintext) == token
    assert gateway_tokens.authenticate(gateway.plaintext[:-1] + "x") is None


def test_an_unknown_ddi_path_answers_404_in_hawkbits_shape(device, target_client):
    response = target_client(device).get(f"{base_url(device.uid)}/confirmationBase/unknown/resource")

    assert_exception_info(response, 404)


def test_a_gateway_token_may_not_act_for_an_inactive_device(product, gateway_client):
    device = DeviceFactory(product=product, is_active=False)

    response = gateway_client.get(base_url(device.uid))

    assert_exception_info(response, 401)


@override_settings(OTA_DEVICE_RATE_LIMIT=1)
def test_a_device_over_its_rate_limit_gets_429_in_hawkbits_shape(device, target_client):
    client = target_client(device)
    client.get(base_url(device.uid))

    response = client.get(base_url(device.uid))

    assert_exception_info(response, 429)
    assert int(response["Retry-After"]) > 0


def test_an_address_guessing_target_tokens_is_answered_429_in_hawkbits_shape(device, settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 2
    guesser = ddi_client("dev_0123456789ab_not-the-secret")

    statuses = [guesser.get(base_url(device.uid), REMOTE_ADDR="10.7.7.7").status_code for _ in range(3)]
    throttled = guesser.get(base_url(device.uid), REMOTE_ADDR="10.7.7.7")

    assert statuses == [401, 401, 429]
    assert_exception_info(throttled, 429)
    assert int(throttled["Retry-After"]) >= 1


def test_a_throttled_address_does_not_lock_out_the_device_polling_from_elsewhere(device, target_client,
                                                                                  settings):
    settings.OTA_AUTH_FAILURE_LIMIT = 1
    ddi_client("dev_0123456789ab_not-the-secret").get(base_url(device.uid), REMOTE_ADDR="10.7.7.7")

    response = target_client(device).get(base_url(device.uid), REMOTE_ADDR="10.1.1.1")

    assert response.status_code == 200
