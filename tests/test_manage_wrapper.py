"""The README's commands work as written: ``bin/manage`` needs no active venv and no DJANGO_SECRET_KEY."""

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

