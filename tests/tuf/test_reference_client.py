"""python-tuf's own client (ngclient.Updater) against the live portal, as a device runs it.

Each Updater refreshes once, as a device does on each poll; a device's Updaters share
its metadata folder, so what one refresh trusted binds the next.
"""

from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient
from tuf.api import exceptions

from catalog.models import TufRole
from catalog.services import tuf, tuf_keys
from rollouts.models import Strategy
from rollouts.services import transitions
from tests.catalog.commands import run
from tests.factories import DeviceFactory
from tests.tuf.client import root_of, trusted_root_version
from tests.tuf.offline import make_offline_key, sign_file

pytestmark = pytest.mark.django_db(transaction=True)
FIRMWARE = b"firmware 1.1.0, signed and sealed\n"
TARGET = "default/1.1.0/firmware.bin"


@pytest.fixture
def published(product, verified_release):
    """The product's repository, listing one verified release."""
    release = verified_release(FIRMWARE, product=product, version="1.1.0")
    tuf_keys.init_repository(product.key)
    return release


def test_a_fresh_client_downloads_and_verifies_a_target(published, product, device, updater_for):
    # given a device provisioned with its product's root
    updater = updater_for(device, root=root_of(product))

    # when it refreshes and downloads the target
    updater.refresh()
    info = updater.get_targetinfo(TARGET)
    path = updater.download_target(info)

    # then it holds the verified bytes, with the release's fields
    assert Path(path).read_bytes() == FIRMWARE
    assert info.custom["version"] == "1.1.0" and info.custom["module"] == "default"


def test_a_deprecated_release_is_no_longer_a_target(published, product, device, updater_for):
    # given a device that saw the release once
    updater_for(device, root=root_of(product)).refresh()

    # when the release is deprecated and the repository published
    published.deprecate("recalled")
    tuf.publish(product.pk)

    # then the device's next refresh finds no such target
    updater = updater_for(device)
    updater.refresh()
    assert updater.get_targetinfo(TARGET) is None


@pytest.mark.parametrize("role", [TufRole.TIMESTAMP, TufRole.ROOT])
def test_a_rotated_key_and_the_new_root_are_followed(published, product, device, updater_for, tmp_path, role):
    # given a device that trusts root version 1
    updater_for(device, root=root_of(product)).refresh()

    # when a key is rotated
    tuf_keys.rotate_key(product.key, role)

    # then the device's next refresh trusts root version 2 and still verifies the target
    updater = updater_for(device)
    updater.refresh()
    assert trusted_root_version(tmp_path / device.uid) == 2
    assert Path(updater.download_target(updater.get_targetinfo(TARGET))).read_bytes() == FIRMWARE


@pytest.fixture
def published_offline(product, verified_release, request):
    """The product's repository with its root key offline (version 1 signed there), listing one release."""
    release = verified_release(FIRMWARE, product=product, version="1.1.0")
    request.getfixturevalue("offline_repository")
    return release


@pytest.mark.parametrize("role", [TufRole.TIMESTAMP, TufRole.ROOT])
def test_a_rotation_signed_offline_is_followed(published_offline, product, device, updater_for, tmp_path,
                                               offline_root_key, role):
    # given a device that trusts root version 1, signed by the offline root key
    updater_for(device, root=root_of(product)).refresh()

    # when a key is rotated, the new root signed offline (by the old and the new root key) and imported
    draft, new_root_key = tmp_path / "2.root.json", make_offline_key(tmp_path, "new-root")
    offline = ["--offline-root", str(new_root_key.pem)] if role == TufRole.ROOT else []
    run("tuf_rotate_key", product.key, role, *offline, "--output", str(draft))
    sign_file(draft, offline_root_key, *([new_root_key] if role == TufRole.ROOT else []))
    run("tuf_sign_root", str(draft))

    # then the device's next refresh trusts root version 2 and still verifies the target
    updater = updater_for(device)
    updater.refresh()
    assert trusted_root_version(tmp_path / device.uid) == 2
    assert Path(updater.download_target(updater.get_targetinfo(TARGET))).read_bytes() == FIRMWARE


def test_a_tampered_target_file_fails_verification(published, product, device, updater_for, s3):
    # given a device that refreshed its metadata
    updater = updater_for(device, root=root_of(product))
    updater.refresh()

    # when the stored file is replaced behind the portal's back, same length, other bytes
    s3.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=published.artifact.storage_key,
                  Body=FIRMWARE.upper())

    # then the download fails verification
    with pytest.raises(exceptions.LengthOrHashMismatchError):
        updater.download_target(updater.get_targetinfo(TARGET))


def test_a_device_of_another_product_reads_nothing(published, product, other_product, updater_for):
    # given a device of another product, holding this product's root
    stranger = DeviceFactory(product=other_product, uid="stranger-1")

    # when it asks for this product's repository, then every file answers 404
    with pytest.raises(exceptions.DownloadHTTPError) as refused:
        updater_for(stranger, root=root_of(product), product_key=product.key).refresh()
    assert refused.value.status_code == 404


def test_the_check_in_offer_names_the_target_the_client_verifies(published, product, device, device_api,
                                                                  updater_for):
    # given the release's rollout is started
    transitions.start(published.rollout, strategy=Strategy.GENERAL)

    # when the device checks in and looks the offered file up with its TUF client
    report = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}
    offer = device_api.post("/api/v1/device/check-in", report, format="json").json()
    updater = updater_for(device, root=root_of(product))
    updater.refresh()

    # then the offer's target is listed, with the offer's checksum
    info = updater.get_targetinfo(offer["tufTarget"])
    assert info is not None and info.hashes["sha256"] == offer["sha256Checksum"]


def test_the_ddi_deployment_names_the_target_the_client_verifies(published, product, device, updater_for):
    # given the release's rollout is started
    transitions.start(published.rollout, strategy=Strategy.GENERAL)

    # when the device polls as a hawkBit agent and looks its chunk's tufTarget up with its TUF client
    ddi = APIClient()
    ddi.credentials(HTTP_AUTHORIZATION=f"TargetToken {device.token}")
    deployment = ddi.get(f"/DEFAULT/controller/v1/{device.uid}").json()["_links"]["deploymentBase"]["href"]
    [chunk] = ddi.get(deployment).json()["deployment"]["chunks"]
    tuf_target = next(entry["value"] for entry in chunk["metadata"] if entry["key"] == "tufTarget")
    updater = updater_for(device, root=root_of(product))
    updater.refresh()

    # then the chunk's target is listed, with the chunk's file's checksum
    info = updater.get_targetinfo(tuf_target)
    assert info is not None and info.hashes["sha256"] == chunk["artifacts"][0]["hashes"]["sha256"]
