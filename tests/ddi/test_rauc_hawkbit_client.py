"""The DDI client of PyPI's rauc-hawkbit drives a live portal over HTTP, as a RAUC device in the field does.

The steps follow rauc_hawkbit.rauc_dbus_ddi_client (its D-Bus part left out):
poll, send the attributes asked for, fetch the deployment through its
``?c=`` link, download the file checking its MD5, report progress and the
outcome, answer a cancellation, and wait for a maintenance window to install.
"""

import asyncio
import re
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp
import pytest
from django.utils import timezone
from rauc_hawkbit.ddi.cancel_action import CancelStatusExecution, CancelStatusResult
from rauc_hawkbit.ddi.client import ConfigStatusExecution, ConfigStatusResult, DDIClient
from rauc_hawkbit.ddi.deployment_base import DeploymentStatusExecution, DeploymentStatusResult

from devices.models import Device
from rollouts.models import DeviceUpdate, MaintenanceWindow, Strategy, UpdateStatus
from rollouts.services import transitions
from rollouts.services.progress import progress_of
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLE = b"RAUC bundle 2.0.0\n" * 4096


@pytest.fixture
def rollout(product, verified_release):
    """Release 2.0.0 of the product, its file verified on the S3 server, rolled out to every device."""
    release = verified_release(BUNDLE, file_name="update-2.0.0.raucb", version="2.0.0", product=product)
    transitions.start(release.rollout, strategy=Strategy.GENERAL)
    return release


def run_client(live_server, controller_id, authorization, steps):
    """Run ``steps(ddi)`` with a rauc-hawkbit DDIClient pointed at the live portal."""

    async def main():
        async with aiohttp.ClientSession() as session:
            ddi = DDIClient(session, urlsplit(live_server.url).netloc, False, "unused", "DEFAULT", controller_id)
            ddi.headers = {"Authorization": authorization}
            return await steps(ddi)

    return asyncio.run(main())


async def linked_deployment(ddi, base) -> tuple[str, str, dict]:
    """The deployment a root poll's answer links, fetched through its ``?c=`` link: (link, action id, document)."""
    href = base["_links"]["deploymentBase"]["href"]
    action_id, resource = re.search(r"/deploymentBase/(.+)\?c=(.+)$", href).groups()
    return href, action_id, await ddi.deploymentBase[action_id](resource)


async def download(ddi, deployment: dict, path) -> str:
    """The deployment's file, downloaded to ``path`` as the agent does; the MD5 the client computed."""
    artifact = deployment["deployment"]["chunks"][0]["artifacts"][0]
    module, filename = re.search(r"/softwaremodules/(.+)/artifacts/(.+)$",
                                 artifact["_links"]["download"]["href"]).groups()
    return await ddi.softwaremodules[module].artifacts[filename](str(path))


def test_a_rauc_device_polls_downloads_installs_and_reports(live_server, product, rollout, tmp_path):
    device = DeviceFactory(product=product, uid="rauc-0001", installed_versions={"default": "1.0.0"})
    bundle = tmp_path / "bundle.raucb"

    async def install(ddi):
        base = await ddi()
        assert "configData" in base["_links"]
        await ddi.configData(ConfigStatusExecution.closed, ConfigStatusResult.success, hw_revision="2")
        base = await ddi()
        assert "configData" not in base["_links"]
        _, action_id, deployment = await linked_deployment(ddi, base)
        checksum = await download(ddi, deployment, bundle)
        assert checksum == deployment["deployment"]["chunks"][0]["artifacts"][0]["hashes"]["md5"]
        await ddi.deploymentBase[action_id].feedback(
            DeploymentStatusExecution.proceeding, DeploymentStatusResult.none, ["Installing"], percentage=50)
        return action_id

    action_id = run_client(live_server, device.uid, f"TargetToken {device.token}", install)
    assert _counts(rollout) == {"downloading": 1}

    async def complete(ddi):
        await ddi.deploymentBase[action_id].feedback(
            DeploymentStatusExecution.closed, DeploymentStatusResult.success, ["Rauc bundle update completed"])
        return await ddi()

    last_poll = run_client(live_server, device.uid, f"TargetToken {device.token}", complete)

    assert bundle.read_bytes() == BUNDLE
    assert _counts(rollout) == {"installed": 1}
    device.refresh_from_db()
    assert device.installed_versions["default"] == "2.0.0"
    assert device.attributes == {"hw_revision": "2"}
    assert DeviceUpdate.objects.get(pk=action_id).status == UpdateStatus.INSTALLED
    assert "deploymentBase" not in last_poll["_links"]
    assert last_poll["_links"]["installedBase"]["href"].endswith(f"/installedBase/{action_id}")


def test_a_gateway_token_registers_a_new_device_by_polling(live_server, product, tmp_path):
    from devices import gateway_tokens

    issued = gateway_tokens.issue(product, name="plant 7")

    async def steps(ddi):
        base = await ddi()
        await ddi.configData(ConfigStatusExecution.closed, ConfigStatusResult.success, serial="SN-7-3")
        return base, await ddi()

    first, second = run_client(live_server, "plant-7-unit-3", f"GatewayToken {issued.plaintext}", steps)

    device = Device.objects.get(uid="plant-7-unit-3")
    assert device.product == product
    assert device.attributes == {"serial": "SN-7-3"}
    assert "configData" in first["_links"]
    assert "_links" not in second


def test_a_rauc_device_answers_a_withdrawn_update(live_server, product, rollout):
    device = DeviceFactory(product=product, uid="rauc-0002", attributes={"hw_revision": "2"})

    async def offered(ddi):
        return await ddi()

    assert "deploymentBase" in run_client(live_server, device.uid, f"TargetToken {device.token}", offered)["_links"]
    transitions.abort(rollout.rollout, "bad build")

    async def cancel(ddi):
        base = await ddi()
        action_id, = re.search(r"/cancelAction/(.+)$", base["_links"]["cancelAction"]["href"]).groups()
        stop_id = (await ddi.cancelAction[action_id]())["cancelAction"]["stopId"]
        await ddi.cancelAction[stop_id].feedback(CancelStatusExecution.rejected, CancelStatusResult.success,
                                                 status_details=("Cancelling not supported",))
        return await ddi()

    assert "_links" not in run_client(live_server, device.uid, f"TargetToken {device.token}", cancel)
    update = DeviceUpdate.objects.get(device=device)
    assert update.status == UpdateStatus.CANCELED and update.cancel_acknowledged_at is not None


def _counts(release) -> dict:
    return {status: count for status, count in progress_of(release.pk).overall.as_dict().items() if count}


def window_from(moment, hours=1) -> dict:
    """A daily maintenance window, in UTC, opening at ``moment``'s hour and minute."""
    return {"schedule": f"{moment.minute} {moment.hour} * * *", "duration": timedelta(hours=hours), "time_zone": "UTC"}


def test_a_rauc_device_downloads_outside_the_window_and_installs_once_it_opens(live_server, product, rollout,
                                                                             tmp_path):
    device = DeviceFactory(product=product, uid="rauc-0003", attributes={"hw_revision": "2"},
                           installed_versions={"default": "1.0.0"})
    now = timezone.now()
    window = MaintenanceWindow.objects.create(product=product, **window_from(now + timedelta(hours=2)))
    bundle = tmp_path / "bundle.raucb"

    async def download_only(ddi):
        href, action_id, deployment = await linked_deployment(ddi, await ddi())
        await download(ddi, deployment, bundle)
        await ddi.deploymentBase[action_id].feedback(
            DeploymentStatusExecution.proceeding, DeploymentStatusResult.none, ["Downloaded, waiting for the window"])
        return href, deployment["deployment"]

    closed_href, closed = run_client(live_server, device.uid, f"TargetToken {device.token}", download_only)

    assert (closed["download"], closed["update"], closed["maintenanceWindow"]) == ("forced", "skip", "unavailable")
    assert bundle.read_bytes() == BUNDLE
    window.schedule = window_from(now - timedelta(minutes=1))["schedule"]
    window.save()

    async def install(ddi):
        href, action_id, deployment = await linked_deployment(ddi, await ddi())
        await ddi.deploymentBase[action_id].feedback(
            DeploymentStatusExecution.closed, DeploymentStatusResult.success, ["Rauc bundle update completed"])
        return href, deployment["deployment"]

    open_href, opened = run_client(live_server, device.uid, f"TargetToken {device.token}", install)

    assert (opened["update"], opened["maintenanceWindow"]) == ("forced", "available")
    assert open_href != closed_href  # the ?c= changed with the handling: agents fetch the deployment again
    assert _counts(rollout) == {"installed": 1}


CONFIRMATION_BASE = "/{tenant}/controller/v1/{controllerId}/confirmationBase"


def test_a_rauc_device_confirms_an_update_asking_for_consent_then_installs_it(live_server, product, rollout,
                                                                              tmp_path):
    transitions.set_policy(rollout.rollout, requires_confirmation=True)
    device = DeviceFactory(product=product, uid="rauc-0004", installed_versions={"default": "1.0.0"},
                           attributes={"hw_revision": "2"})
    bundle = tmp_path / "bundle.raucb"

    async def consent_then_install(ddi):
        base = await ddi()
        assert "deploymentBase" not in base["_links"]
        action_id, = re.search(r"/confirmationBase/(.+)\?c=", base["_links"]["confirmationBase"]["href"]).groups()
        asked = await ddi.get_resource(CONFIRMATION_BASE + "/{actionId}", actionId=action_id)
        assert asked["confirmation"]["chunks"][0]["version"] == "2.0.0"
        state = await ddi.get_resource(CONFIRMATION_BASE)
        assert state["autoConfirm"] == {"active": False}
        await ddi.post_resource(CONFIRMATION_BASE + "/{actionId}/feedback",
                                {"confirmation": "confirmed", "code": 200, "details": ["User accepted"]},
                                actionId=action_id)
        _, confirmed_id, deployment = await linked_deployment(ddi, await ddi())
        await download(ddi, deployment, bundle)
        await ddi.deploymentBase[confirmed_id].feedback(
            DeploymentStatusExecution.closed, DeploymentStatusResult.success, ["Rauc bundle update completed"])
        return action_id, confirmed_id

    action_id, confirmed_id = run_client(live_server, device.uid, f"TargetToken {device.token}",
                                         consent_then_install)

    assert action_id == confirmed_id
    assert bundle.read_bytes() == BUNDLE
    assert _counts(rollout) == {"installed": 1}
    log = [entry.reported for entry in DeviceUpdate.objects.get(pk=action_id).log_entries.order_by("position")]
    assert log[0] == "confirmed"
