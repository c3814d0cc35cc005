"""The demo `make run` loads: a fleet, a printed device token, and two running rollouts."""

import re

import pytest

from catalog.models import Artifact
from catalog.services import verification
from devices import tokens
from devices.models import Device
from rollouts.decision import Report, decide
from rollouts.models import Rollout, RolloutEvent, RolloutState, Strategy
from tests.catalog.commands import run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True


def printed_device_token(out):
    return re.search(r"has the token \(development only\):\s+(\S+)", out).group(1)


def test_the_demo_prints_a_device_token_that_works():
    out = run("load_demo")

    device = tokens.authenticate(printed_device_token(out))

    assert device is not None and device.uid == "demo-thermostat-0001"


def test_the_printed_device_is_offered_an_update_once_files_are_verified():
    out = run("load_demo")
    for artifact in Artifact.objects.all():
        verification.verify(artifact.pk)
    device = tokens.authenticate(printed_device_token(out))

    # Already on firmware 1.1.0: whether its random bucket for this run's 1.1.0 release falls in
    # the first 10 % no longer matters, only the targeted display-app rollout is left for it.
    on_the_new_firmware = Report(agent_version="1.5.0", modules={"default": "1.1.0", "display-app": "2.0.0"})

    offer = decide(device, on_the_new_firmware)

    assert offer is not None
    assert (offer.release.module, offer.release.version) == ("display-app", "2.1.0")


def test_running_the_demo_twice_keeps_the_fleet_token_and_rollouts():
    first = run("load_demo")
    devices, events = Device.objects.count(), RolloutEvent.objects.count()

    second = run("load_demo")

    assert printed_device_token(second) == printed_device_token(first)
    assert (Device.objects.count(), RolloutEvent.objects.count()) == (devices, events)
    assert Device.objects.filter(product__key="demo-thermostat").count() == 24


def test_the_demo_rollouts_are_started():
    run("load_demo")

    started = Rollout.objects.exclude(strategy=Strategy.SUSPENDED).select_related("release__module")
    assert {(r.release.module.name, r.release.version, r.strategy, r.state) for r in started} == {
        ("default", "1.1.0", Strategy.GENERAL, RolloutState.RUNNING),
        ("display-app", "2.1.0", Strategy.TARGETED, RolloutState.RUNNING)}


def test_the_demos_curl_hint_sets_the_token_it_sends():
    out = run("load_demo")

    hint = out.split("try: ", 1)[1].splitlines()[:2]

    assert hint[0] == f"TOKEN={printed_device_token(out)}"
    assert '"x-access-token: $TOKEN"' in hint[1]


def test_the_demos_curl_hint_names_the_portals_address():
    out = run("load_demo", "--base-url", "http://127.0.0.1:8123/")

    assert out.split("try: ", 1)[1].splitlines()[1].endswith(" http://127.0.0.1:8123/api/v1/device/check-in")
