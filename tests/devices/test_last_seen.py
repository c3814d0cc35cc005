"""Last-seen: every device request notes it in the edge store; beat writes the notes in batches.

A device request writes nothing to the database; ``write_last_uses`` (every
OTA_LAST_USE_FLUSH_SECONDS) writes what was noted, one query per batch.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices.models import Device
from otaportal import last_use
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/ota-files"


def device_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "devices_device"')]


def test_a_request_writes_nothing_to_the_database(device, device_api):
    with CaptureQueriesContext(connection) as queries:
        device_api.get(URL)

    assert device_writes(queries.captured_queries) == []


def test_the_flush_records_the_time_and_address(device, device_api):
    device_api.get(URL, REMOTE_ADDR="10.1.2.3")

    last_use.write_buffered()

    device.refresh_from_db()
    assert timezone.now() - device.last_seen_at < timedelta(seconds=5)
    assert device.last_seen_address == "10.1.2.3"


def test_the_latest_request_wins(device, device_api):
    device_api.get(URL, REMOTE_ADDR="10.0.0.1")
    device_api.get(URL, REMOTE_ADDR="10.0.0.2")

    last_use.write_buffered()

    device.refresh_from_db()
    assert device.last_seen_address == "10.0.0.2"


def test_a_flush_writes_a_batch_of_devices_in_one_query(product, device_client):
    devices = DeviceFactory.create_batch(5, product=product)
    for device in devices:
        device_client(device).get(URL)

    with CaptureQueriesContext(connection) as queries:
        written = last_use.write_buffered(batch=1000)

    assert written == 5
    assert len(device_writes(queries.captured_queries)) == 1
    assert Device.objects.filter(pk__in=[d.pk for d in devices], last_seen_at__isnull=False).count() == 5


def test_a_flush_takes_what_it_writes_out_of_the_buffer(device, device_api):
    device_api.get(URL)
    last_use.write_buffered()

    assert last_use.write_buffered() == 0


def test_a_refused_token_records_nothing(device, anonymous_api):
    anonymous_api.credentials(HTTP_X_ACCESS_TOKEN=device.token + "x")

    anonymous_api.get(URL)
    last_use.write_buffered()

    device.refresh_from_db()
    assert device.last_seen_at is None
