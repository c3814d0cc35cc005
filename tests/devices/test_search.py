"""The device list finds a device by any part of its uid or name, in any case, through trigram indexes."""

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse

from devices.models import Device
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:devices_device_changelist")


def test_the_list_finds_a_device_by_the_middle_of_its_uid_in_any_case(admin_client, product):
    DeviceFactory(uid="plant7-boiler-0042", product=product)
    DeviceFactory(uid="plant7-attic-0043", product=product)

    page = admin_client.get(CHANGELIST, {"q": "BOILER"}).content.decode()

    assert "plant7-boiler-0042" in page and "plant7-attic-0043" not in page


def test_the_list_finds_a_device_by_the_end_of_its_name(admin_client, product):
    DeviceFactory(uid="a-1", name="Boiler room, basement", product=product)
    DeviceFactory(uid="b-1", name="Attic", product=product)

    page = admin_client.get(CHANGELIST, {"q": "basement"}).content.decode()

    assert 'data-uid="a-1"' in page or ">a-1<" in page
    assert ">b-1<" not in page


def test_the_search_can_use_the_trigram_indexes():
    search = Device.objects.filter(Q(uid__icontains="boiler") | Q(name__icontains="boiler")).order_by()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table: make the planner show its options
        plan = search.explain()

    assert "device_uid_trgm" in plan and "device_name_trgm" in plan
