"""A device's TUF client: python-tuf's ngclient, its fetcher sending the device token."""

from pathlib import Path

import urllib3
from tuf.api.exceptions import DownloadHTTPError, SlowRetrievalError
from tuf.api.metadata import Metadata
from tuf.ngclient import FetcherInterface, Updater

from catalog.models import TufRole
from catalog.services import tuf


class DeviceTokenFetcher(FetcherInterface):
    """Fetches with ``x-access-token``: the portal serves a product's repository to its own devices only."""

    def __init__(self, token: str, timeout: float = 10):
        self._pool = urllib3.PoolManager(headers={"x-access-token": token})
        self._timeout = timeout

    def _fetch(self, url: str):
        try:
            response = self._pool.request("GET", url, preload_content=False, timeout=self._timeout)
        except urllib3.exceptions.TimeoutError as error:
            raise SlowRetrievalError from error
        if response.status >= 400:
            response.release_conn()
            raise DownloadHTTPError(f"HTTP {response.status} for {url}", response.status)
        return response.stream(64 * 1024)


def device_updater(base_url: str, product_key: str, token: str, folder: Path,
                   bootstrap: bytes | None) -> Updater:
    metadata, targets = folder / "metadata", folder / "targets"
    metadata.mkdir(parents=True, exist_ok=True)
    targets.mkdir(parents=True, exist_ok=True)
    return Updater(str(metadata), f"{base_url}/tuf/{product_key}/metadata/", str(targets),
                   f"{base_url}/tuf/{product_key}/targets/", fetcher=DeviceTokenFetcher(token),
                   bootstrap=bootstrap)


def root_of(product) -> bytes:
    """The root a device of ``product`` is provisioned with: version 1."""
    return tuf.metadata_file(product.pk, TufRole.ROOT, 1)


def trusted_root_version(folder: Path) -> int:
    """The root version a device's client trusts, from the metadata folder it keeps between runs."""
    return Metadata.from_file(str(folder / "metadata" / "root.json")).signed.version
