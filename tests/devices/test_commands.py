"""register_device, import_devices and rotate_device_token."""

import csv
import io
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from devices import tokens
from devices.models import Device, DeviceEvent
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- register_device --------------------------------------------------------

def test_register_device_prints_the_token_alone_on_the_last_line(product):
    out, _ = run("register_device", "--product", "thermostat", "--uid", "thermo-9",
                 "--module", "default=1.0.0", "--module", "ui=2.1", "--attr", "region=eu",
                 "--attr", "revision=B", "--agent-version", "1.5.0")

    token = out.strip().splitlines()[-1]
    device = tokens.authenticate(token)
    assert device.uid == "thermo-9"
    assert device.installed_versions == {"default": "1.0.0", "ui": "2.1"}
    assert device.attributes == {"region": "eu", "revision": "B"}
    assert device.agent_version == "1.5.0"


def test_register_device_refuses_an_unknown_product(db):
    with pytest.raises(CommandError, match="product: Unknown product 'nope'"):
        run("register_device", "--product", "nope", "--uid", "x")


def test_register_device_refuses_a_bad_uid(product):
    with pytest.raises(CommandError, match="uid"):
        run("register_device", "--product", "thermostat", "--uid", "no/slashes")
    assert not Device.objects.exists()


def test_register_device_refuses_a_uid_already_registered(device):
    with pytest.raises(CommandError, match="already registered"):
        run("register_device", "--product", "thermostat", "--uid", device.uid)


def test_register_device_refuses_a_module_without_a_version(product):
    with pytest.raises(CommandError, match="NAME=VALUE"):
        run("register_device", "--product", "thermostat", "--uid", "x", "--module", "default")


# --- rotate_device_token ----------------------------------------------------

def test_rotate_device_token_prints_a_new_token_and_the_old_one_stops(device):
    out, _ = run("rotate_device_token", device.uid)

    assert tokens.authenticate(out.strip().splitlines()[-1]) == device
    assert tokens.authenticate(device.token) is None
    assert device.events.filter(kind=DeviceEvent.Kind.TOKEN_ROTATED).exists()


def test_rotate_device_token_refuses_an_unknown_uid(db):
    with pytest.raises(CommandError, match="No device"):
        run("rotate_device_token", "nobody")


# --- import_devices ----------------------------------------------------------

@pytest.fixture
def csv_file(tmp_path):
    def write(text: str):
        path = tmp_path / "devices.csv"
        path.write_text(text)
        return path

    return write


def read_tokens(path) -> dict[str, str]:
    with open(path, newline="") as handle:
        return {row["uid"]: row["token"] for row in csv.DictReader(handle)}


def test_import_registers_every_row_and_writes_their_tokens(product, csv_file, tmp_path):
    source = csv_file(
        "uid,product,name,agent_version,tags,module:default,attr:region\n"
        "t-1,thermostat,Hall,1.2.0,beta;lab,1.0.0,eu\n"
        "t-2,thermostat,,,,1.1.0,\n"
    )
    output = tmp_path / "tokens.csv"

    out, _ = run("import_devices", str(source), "--output", str(output))

    written = read_tokens(output)
    assert set(written) == {"t-1", "t-2"}
    assert tokens.authenticate(written["t-1"]).uid == "t-1"
    first = Device.objects.get(uid="t-1")
    assert (first.name, first.agent_version, first.tags) == ("Hall", "1.2.0", ["beta", "lab"])
    assert first.installed_versions == {"default": "1.0.0"} and first.attributes == {"region": "eu"}
    assert Device.objects.get(uid="t-2").attributes == {}
    assert DeviceEvent.objects.filter(kind=DeviceEvent.Kind.REGISTERED).count() == 2
    assert "Registered 2 device(s)" in out


def test_the_token_file_is_readable_by_its_owner_only(product, csv_file, tmp_path):
    output = tmp_path / "tokens.csv"

    run("import_devices", str(csv_file("uid\nt-1\n")), "--output", str(output), "--product", "thermostat")

    assert stat.S_IMODE(output.stat().st_mode) == 0o600


def test_import_in_small_batches_registers_everything(product, csv_file, tmp_path):
    rows = "".join(f"t-{n}\n" for n in range(25))

    run("import_devices", str(csv_file("uid\n" + rows)), "--output", str(tmp_path / "t.csv"),
        "--product", "thermostat", "--batch-size", "4")

    assert Device.objects.count() == 25


def test_bad_rows_are_each_reported_by_line_and_nothing_is_imported(product, device, csv_file, tmp_path):
    source = csv_file(
        "uid,product,module:default\n"
        "ok-1,thermostat,1.0.0\n"
        "bad uid,thermostat,1.0.0\n"
        "ok-2,nope,1.0.0\n"
        f"{device.uid},thermostat,1.0.0\n"
        "ok-1,thermostat,1.0.0\n"
        "ok-3,thermostat,not a version\n"
    )
    output = tmp_path / "tokens.csv"

    with pytest.raises(CommandError, match="5 problem"):
        _, err = run("import_devices", str(source), "--output", str(output))

    assert Device.objects.count() == 1
    assert not output.exists()
    assert not list(tmp_path.glob(".tokens.csv*"))


def test_the_error_report_names_each_line(product, device, csv_file, tmp_path):
    source = csv_file("uid,product\nok-1,thermostat\nbad uid,thermostat\nok-2,nope\n"
                      f"{device.uid},thermostat\nok-1,thermostat\n")
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_devices", str(source), "--output", str(tmp_path / "t.csv"), stderr=err)

    lines = err.getvalue().splitlines()
    assert lines[0].startswith("line 3: uid:")
    assert lines[1] == "line 4: product: Unknown product 'nope'."
    assert lines[2] == f"line 5: uid {device.uid!r} is already registered"
    assert lines[3] == "line 6: uid 'ok-1' is repeated (first on line 2)"


def test_a_file_without_a_uid_column_is_refused(product, csv_file, tmp_path):
    with pytest.raises(CommandError, match="problem"):
        run("import_devices", str(csv_file("name\nx\n")), "--output", str(tmp_path / "t.csv"))


def test_an_unknown_column_is_refused(product, csv_file, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_devices", str(csv_file("uid,colour\nx,red\n")),
                     "--output", str(tmp_path / "t.csv"),
                     "--product", "thermostat", stderr=err)

    assert "unknown column 'colour'" in err.getvalue()


def test_an_existing_token_file_is_never_written_over(product, csv_file, tmp_path):
    output = tmp_path / "tokens.csv"
    output.write_text("precious")

    with pytest.raises(CommandError, match="exists"):
        run("import_devices", str(csv_file("uid\nt-1\n")), "--output", str(output), "--product", "thermostat")

    assert output.read_text() == "precious"
    assert not Device.objects.exists()


def test_a_dry_run_checks_and_imports_nothing(product, csv_file, tmp_path):
    out, _ = run("import_devices", str(csv_file("uid\nt-1\nt-2\n")), "--output", str(tmp_path / "t.csv"),
                 "--product", "thermostat", "--dry-run")

    assert "2 row(s) checked, all valid" in out
    assert not Device.objects.exists()
    assert not (tmp_path / "t.csv").exists()


def test_a_uid_registered_during_the_import_rolls_everything_back(product, csv_file, tmp_path, monkeypatch):
    from devices.services import imports

    real_validate = imports.validate_rows

    def validate_then_race(*args, **kwargs):
        errors = real_validate(*args, **kwargs)
        DeviceFactory(uid="t-2", product=product)  # another operator registers t-2 meanwhile
        return errors

    monkeypatch.setattr(imports, "validate_rows", validate_then_race)
    output = tmp_path / "tokens.csv"

    with pytest.raises(CommandError, match="nothing was imported"):
        run("import_devices", str(csv_file("uid\nt-1\nt-2\n")), "--output", str(output),
            "--product", "thermostat")

    assert list(Device.objects.values_list("uid", flat=True)) == ["t-2"]
    assert not output.exists()
