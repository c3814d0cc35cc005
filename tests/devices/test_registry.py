"""The registry's domain actions, as the API, the admin and the commands call them."""

import pytest
from django.core.exceptions import ValidationError

from devices import services, tokens
from devices.models import Device, DeviceEvent

pytestmark = pytest.mark.django_db


def test_registering_gives_a_working_token_and_a_registered_event(product):
    issued = services.register_device("thermostat", "t-1", attributes={"region": "eu"}, actor="ops")

    assert tokens.authenticate(issued.token) == issued.device
    event = issued.device.events.get()
    assert (event.kind, event.data) == (DeviceEvent.Kind.REGISTERED, {"by": "ops"})


def test_registering_a_uid_twice_raises_device_exists(device):
    with pytest.raises(services.DeviceExists):
        services.register_device(device.product, device.uid)


@pytest.mark.parametrize("uid", ["", "a b", "a/b", "é", "x" * 129])
def test_uids_outside_the_rules_are_refused(product, uid):
    with pytest.raises(ValidationError) as raised:
        services.register_device(product, uid)

    assert "uid" in raised.value.message_dict
    assert not Device.objects.exists()


@pytest.mark.parametrize("uid", ["a", "A-b_c.d:e", "x" * 128, "00:1A:2B:3C:4D:5E"])
def test_uids_within_the_rules_are_accepted(product, uid):
    assert services.register_device(product, uid).device.uid == uid


def test_repeated_tags_are_kept_once(product):
    assert services.register_device(product, "t-1", tags=["a", "b", "a"]).device.tags == ["a", "b"]


def test_deactivating_twice_writes_one_event(device):
    services.deactivate_device(device)
    services.deactivate_device(device)

    assert device.events.filter(kind=DeviceEvent.Kind.DEACTIVATED).count() == 1
    assert not Device.objects.get(pk=device.pk).is_active


def test_an_update_that_changes_nothing_writes_nothing(device):
    services.update_device(device, name=device.name)

    assert not device.events.filter(kind=DeviceEvent.Kind.UPDATED).exists()


def test_an_invalid_update_leaves_the_device_as_it_was(device):
    with pytest.raises(ValidationError):
        services.update_device(device, attributes={"ok": 1}, tags="not a list")

    assert device.attributes == {} and device.tags == []
    device.refresh_from_db()
    assert device.attributes == {}


def test_only_name_attributes_and_tags_can_be_updated(device):
    with pytest.raises(ValidationError) as raised:
        services.update_device(device, uid="other")

    assert "uid" in raised.value.message_dict
