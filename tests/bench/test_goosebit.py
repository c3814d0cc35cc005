"""The goosebit launcher: installed into its own environment under var/, migrated, served, devices registered.

The install is cached (var/bench/goosebit-<version>/venv), so after the first run this takes seconds. The
test is skipped only when the install fails because PyPI cannot be reached; any other failure fails it.
"""

import pytest

from bench import peer


@pytest.fixture(scope="module")
def goosebit_venv():
    try:
        return peer.install()
    except peer.GoosebitUnavailable as problem:
        if peer.index_reachable():
            raise
        pytest.skip(f"goosebit cannot be installed: PyPI is unreachable ({problem})")


@pytest.fixture(scope="module")
def goosebit(goosebit_venv, tmp_path_factory):
    server = peer.Goosebit(goosebit_venv, state=tmp_path_factory.mktemp("goosebit")).start()
    yield server
    server.stop()


def test_the_pinned_version_is_installed_in_its_own_environment(goosebit_venv):
    assert goosebit_venv.is_relative_to(peer.ROOT / "var")
    assert (goosebit_venv / "goosebit-version").read_text().strip() == peer.VERSION == "0.2.12"
    assert any(goosebit_venv.glob("lib/python*/site-packages/goosebit-0.2.12.dist-info"))


def test_a_device_registers_itself_and_then_polls_as_an_idle_device(goosebit):
    # given a device that has polled once and sent its configData
    goosebit.register(["bench-registered"])

    # when it polls again
    answer = goosebit.poll("bench-registered")

    # then goosebit has nothing for it: no configData request, no deployment
    assert answer["_links"] == {}
    assert answer["config"]["polling"]["sleep"] == "00:01:00"


def test_an_unregistered_device_is_asked_for_its_configdata(goosebit):
    answer = goosebit.poll("bench-new")

    assert set(answer["_links"]) == {"configData"}


def test_many_devices_register_without_racing_for_their_hardware_row(goosebit):
    uids = [f"bench-many-{number}" for number in range(40)]

    goosebit.register(uids)

    assert all(goosebit.poll(uid)["_links"] == {} for uid in uids)


def test_each_start_migrates_a_fresh_database(goosebit_venv, tmp_path):
    # given a device registered with a first server
    first = peer.Goosebit(goosebit_venv, state=tmp_path).start()
    try:
        first.register(["bench-forgotten"])
    finally:
        first.stop()

    # when a second server starts
    second = peer.Goosebit(goosebit_venv, state=tmp_path).start()
    try:
        # then it does not know the device
        assert set(second.poll("bench-forgotten")["_links"]) == {"configData"}
    finally:
        second.stop()
