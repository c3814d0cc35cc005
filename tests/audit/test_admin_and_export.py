"""The admin shows the log read-only, filtered by actor, object type, product, time; export: JSON lines."""

import json

import pytest
from django.core.management.base import CommandError

from audit.models import AuditEntry
from tests.audit.helpers import audited_command, run_command
from tests.factories import ProductFactory, ResourceSpaceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditentry/"


@pytest.fixture
def entries():
    with audited_command(actor_label="alice@host"):
        ProductFactory(key="thermostat")  # the product and its default module
    with audited_command(actor_label="bob@host"):
        ResourceSpaceFactory(key="emea")


def test_the_admin_neither_adds_changes_nor_deletes_entries(admin_client, entries):
    entry = AuditEntry.objects.get(object_type="catalog.resourcespace")

    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    assert admin_client.post(f"{CHANGELIST}{entry.pk}/change/", {"actor": "mallory"}).status_code == 403
    assert admin_client.post(f"{CHANGELIST}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).actor == "bob@host"


def test_the_admin_shows_an_entry_with_its_changes(admin_client, entries):
    entry = AuditEntry.objects.get(object_type="catalog.resourcespace")

    page = admin_client.get(f"{CHANGELIST}{entry.pk}/change/").content.decode()

    assert "bob@host" in page and "<strong>key</strong>: None → emea" in page


@pytest.mark.parametrize("query, expected", [
    ("actor=alice%40host", {"catalog.product", "catalog.module"}),
    ("object_type=catalog.resourcespace", {"catalog.resourcespace"}),
    ("product=thermostat", {"catalog.product", "catalog.module"}),
    ("q=emea", {"catalog.resourcespace"}),
    ("created_at__year=2000", set()),
])
def test_the_admin_filters_and_searches(admin_client, entries, query, expected):
    response = admin_client.get(f"{CHANGELIST}?{query}")

    assert response.status_code == 200
    assert {entry.object_type for entry in response.context["cl"].result_list} == expected


def test_export_writes_one_json_line_per_entry_since_a_time(entries):
    cutoff = AuditEntry.objects.get(object_type="catalog.resourcespace").created_at

    lines = run_command("export_audit_log", "--since", cutoff.isoformat()).splitlines()

    assert len(lines) == 1
    exported = json.loads(lines[0])
    assert exported["object_type"] == "catalog.resourcespace" and exported["actor"] == "bob@host"
    assert exported["entry_hash"] == AuditEntry.objects.get(object_type="catalog.resourcespace").entry_hash


def test_export_takes_a_date(entries):
    assert len(run_command("export_audit_log", "--since", "2000-01-01").splitlines()) == 3


def test_export_refuses_a_time_it_cannot_read():
    with pytest.raises(CommandError, match="not an ISO 8601"):
        run_command("export_audit_log", "--since", "yesterday")
