"""Writing audited changes in tests, and tampering with the log behind the application's back."""

from contextlib import contextmanager
from io import StringIO

from django.core.management import call_command
from django.db import connection

from otaportal import audit_context


@contextmanager
def audited_command(actor_label="operator@host"):
    """Changes made inside are audited as a management command's."""
    context = audit_context.AuditContext(surface=audit_context.COMMAND, actor_label=actor_label)
    with audit_context.opened(context):
        yield


def run_sql(sql, *parameters):
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)


def run_command(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
