"""The README's commands work as written: ``bin/manage`` needs no active venv and no DJANGO_SECRET_KEY, and
``make run`` (bin/run-dev) refuses a busy port before it touches anything."""

import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, var_dir):
    """Run bin/manage from another directory in a clean environment, as on a fresh clone."""
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(var_dir), "OTA_VAR_DIR": str(var_dir / "var")}
    return subprocess.run([str(ROOT / "bin" / "manage"), *args], cwd=var_dir, env=environment,
                          capture_output=True, text=True, timeout=300)


def test_rollout_status_runs_through_bin_manage_after_migrating(tmp_path):
    migrated = manage("migrate", "--noinput", var_dir=tmp_path)
    assert migrated.returncode == 0, migrated.stderr

    status = manage("rollout_status", "--all", var_dir=tmp_path)

    assert status.returncode == 0, status.stderr
    assert "No rollouts." in status.stdout
    assert (tmp_path / "var" / "db.sqlite3").exists()  # the developer's var/ is left alone


def test_check_runs_through_bin_manage(tmp_path):
    checked = manage("check", var_dir=tmp_path)

    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout


def test_the_embedded_broker_connects_without_the_no_hostname_warning(tmp_path):
    connected = manage("shell", "-c", "from otaportal.celery import app; app.connection_for_write().as_uri()",
                       var_dir=tmp_path)

    assert connected.returncode == 0, connected.stderr
    assert "No hostname was supplied" not in connected.stderr


def test_make_run_with_its_port_busy_stops_before_touching_anything(tmp_path):
    var = tmp_path / "var"
    var.mkdir()
    (var / "worker.log").write_text("the running portal's log\n")
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OTA_VAR_DIR": str(var)}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]

        run = subprocess.run([str(ROOT / "bin" / "run-dev")], env={**environment, "PORT": str(port)},
                             capture_output=True, text=True, timeout=60)

    assert run.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in run.stderr
    assert (var / "worker.log").read_text() == "the running portal's log\n"
    assert not (var / "db.sqlite3").exists()  # not migrated, no demo loaded
