"""Gateway tokens: created by command, registering unknown controllers on their first poll."""

import io

import pytest
from django.core.management import CommandError, call_command

from devices import gateway_tokens
from devices.models import Device, DeviceEvent, GatewayToken

from .conftest import base_url, feedback_body

pytestmark = pytest.mark.django_db


def test_the_first_poll_of_an_unknown_controller_registers_it_in_the_tokens_product(product, gateway_client):
    response = gateway_client.get(base_url("plant-7-unit-3"))

    assert response.status_code == 200
    device = Device.objects.get(uid="plant-7-unit-3")
    assert device.product == product
    assert "configData" in response.json()["_links"]
    assert DeviceEvent.objects.filter(device=device, kind=DeviceEvent.Kind.REGISTERED).exists()


def test_a_registered_controller_is_found_again(product, gateway_client):
    gateway_client.get(base_url("plant-7-unit-3"))

    gateway_client.get(base_url("plant-7-unit-3"))

    assert Device.objects.filter(uid="plant-7-unit-3").count() == 1


def test_an_unknown_controller_is_not_found_on_other_resources(gateway_client):
    for path in ("configData", "deploymentBase/1", "cancelAction/1", "installedBase/1"):
        if path == "configData":
            response = gateway_client.put(f"{base_url('nobody')}/{path}", {"data": {"a": "b"}}, format="json")
        else:
            response = gateway_client.get(f"{base_url('nobody')}/{path}")
        assert response.status_code == 404, path
    response = gateway_client.post(f"{base_url('nobody')}/deploymentBase/1/feedback", feedback_body("closed"),
                                   format="json")
    assert response.status_code == 404
    assert not Device.objects.filter(uid="nobody").exists()


def test_a_controller_id_that_cannot_be_a_device_uid_answers_400(gateway_client):
    response = gateway_client.get(base_url("bad id with spaces"))

    assert response.status_code == 400
    assert response.json()["parameters"] == ["uid"]
    assert not Device.objects.exists()


def test_the_command_prints_a_working_token_once(product):
    out = io.StringIO()

    call_command("create_gateway_token", "thermostat", "--name", "plant 7", stdout=out)

    plaintext = out.getvalue().strip().splitlines()[-1]
    token = gateway_tokens.authenticate(plaintext)
    assert token is not None and token.product == product and token.name == "plant 7"
    assert GatewayToken.objects.get().digest != plaintext


def test_the_command_refuses_an_unknown_product(db):
    with pytest.raises(CommandError, match="No product"):
        call_command("create_gateway_token", "toaster", stdout=io.StringIO())
