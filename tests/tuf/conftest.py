"""Fixtures of the TUF repository tests: a product's repository and python-tuf's own client."""

import pytest

from catalog.services import tuf_keys
from tests.tuf.client import device_updater


@pytest.fixture
def repository(product):
    """The ``product``'s TUF repository, every key online, its first metadata published."""
    tuf_keys.init_repository(product.key)
    return product.tuf_repository


@pytest.fixture
def updater_for(live_server, tmp_path):
    """Factory: a python-tuf Updater for a device, trusting the root it is given (or its stored one).

    Each call is a new Updater (one refresh each, as on a device) sharing the device's
    metadata folder, so what an earlier refresh trusted binds the later ones.
    """

    def make(device, root: bytes | None = None, product_key: str | None = None):
        return device_updater(live_server.url, product_key or device.product.key, device.token,
                              tmp_path / device.uid, bootstrap=root)

    return make
