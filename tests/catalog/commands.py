"""Running management commands in tests: in-process, or as an operator does, in their own process."""

import io
import os
import subprocess
import sys

from django.core.management import call_command

from tests.fixtures import services


def run(*args, **options):
    """Run a command in-process; returns its stdout. CommandError propagates."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def run_process(*args, env=None):
    """``manage.py`` in its own process on the test database (the test needs transactional_db)."""
    environment = dict(os.environ, DATABASE_URL=services.test_database_url(),
                       DJANGO_SETTINGS_MODULE="otaportal.settings.test", **(env or {}))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=services.ROOT, env=environment,
                          capture_output=True, text=True, timeout=120)
