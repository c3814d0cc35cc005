"""Last-seen writes do not wait for the disk flush, and never change how a caller's transaction commits."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from devices import tokens
from devices.models import Device
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def synchronous_commit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_a_last_seen_write_of_its_own_commits_without_waiting_for_the_disk():
    device = DeviceFactory()

    with CaptureQueriesContext(connection) as captured:
        tokens.mark_seen(device, "10.0.0.1")

    statements = [query["sql"] for query in captured.captured_queries]
    assert "SET LOCAL synchronous_commit TO OFF" in statements
    assert statements.index("SET LOCAL synchronous_commit TO OFF") < next(
        index for index, sql in enumerate(statements) if sql.startswith("UPDATE"))
    assert Device.objects.get(pk=device.pk).last_seen_address == "10.0.0.1"


def test_the_setting_ends_with_the_last_seen_transaction():
    device = DeviceFactory()

    tokens.mark_seen(device, "10.0.0.1")

    assert synchronous_commit() == "on"


def test_inside_a_callers_transaction_the_commit_stays_synchronous():
    device = DeviceFactory()

    with transaction.atomic():
        tokens.mark_seen(device, "10.0.0.2")
        setting = synchronous_commit()

    assert setting == "on"
    assert Device.objects.get(pk=device.pk).last_seen_address == "10.0.0.2"
