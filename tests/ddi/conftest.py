import pytest
from rest_framework.test import APIClient

from devices import gateway_tokens
from rollouts.models import DeviceUpdate
from tests.factories import DeviceFactory, ProductFactory

TENANT = "DEFAULT"


def base_url(controller_id: str, tenant: str = TENANT) -> str:
    return f"/{tenant}/controller/v1/{controller_id}"


def ddi_client(token: str, scheme: str = "TargetToken") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token}")
    return client


@pytest.fixture
def target_client():
    """Factory: a DDI client authenticated with the device's own TargetToken."""
    return lambda device: ddi_client(device.token)


@pytest.fixture
def gateway(product):
    """A gateway token of ``product``: ``gateway.plaintext`` is its secret."""
    return gateway_tokens.issue(product, name="tests")


@pytest.fixture
def gateway_client(gateway):
    return ddi_client(gateway.plaintext, scheme="GatewayToken")


@pytest.fixture
def other_device(db):
    """A device of another product, with its own token."""
    return DeviceFactory(product=ProductFactory(key="doorbell"), uid="doorbell-0001",
                         attributes={"hw": "1"})


@pytest.fixture
def pending_update(device, offerable_release, target_client):
    """The device polled once and was offered release 2.0.0: (release, its DeviceUpdate)."""
    release = offerable_release("2.0.0")
    response = target_client(device).get(base_url(device.uid))
    assert "deploymentBase" in response.json()["_links"], response.json()
    return release, DeviceUpdate.objects.get(device=device, release=release)


def action_url(device, update, resource: str = "deploymentBase") -> str:
    return f"{base_url(device.uid)}/{resource}/{update.pk}"


def feedback_body(execution: str, finished: str = "none", details=(), **result) -> dict:
    return {"id": "1", "time": "20240101T120000",
            "status": {"execution": execution, "result": {"finished": finished, **result}, "details": list(details)}}
