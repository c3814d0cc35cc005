"""Fixtures of the TUF repository tests: a product's repository and python-tuf's own client."""

import pytest

from catalog.services import tuf_keys
from tests.catalog.commands import run
from tests.tuf.client import device_updater
from tests.tuf.offline import make_offline_key, sign_file


@pytest.fixture
def repository(product):
    """The ``product``'s TUF repository, every key online, its first metadata published."""
    tuf_keys.init_repository(product.key)
    return product.tuf_repository


@pytest.fixture
def offline_root_key(tmp_path):
    """A root key made away from the portal; the portal gets its public half only, as PEM."""
    return make_offline_key(tmp_path, "root")


@pytest.fixture
def offline_repository(product, offline_root_key, tmp_path):
    """The ``product``'s repository with its root key offline: version 1 signed there and imported."""
    draft = tmp_path / "1.root.json"
    run("tuf_init", product.key, "--offline-root", str(offline_root_key.pem), "--output", str(draft))
    sign_file(draft, offline_root_key)
    run("tuf_sign_root", str(draft))
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
