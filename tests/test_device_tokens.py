import pytest

from devices import tokens
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def test_a_device_token_authenticates_its_device():
    device = DeviceFactory()

    assert tokens.authenticate(device.token) == device


def test_a_rotated_token_stops_working_at_once():
    device = DeviceFactory()
    old = device.token

    tokens.issue_token(device)

    assert tokens.authenticate(old) is None


def test_an_inactive_device_token_stops_working():
    device = DeviceFactory()
    device.is_active = False
    device.save()

    assert tokens.authenticate(device.token) is None


@pytest.mark.parametrize("plaintext", ["", "garbage", "dev_short_x", "ota_0123456789ab_secret"])
def test_malformed_tokens_are_refused(plaintext):
    DeviceFactory()

    assert tokens.authenticate(plaintext) is None
