"""verify_audit_log finds the first entry altered, deleted or inserted behind the application's back."""

import json
import threading

import pytest
from django.core.management.base import CommandError
from django.db import connection

from audit import chain
from audit.models import AppendOnly, AuditEntry, ChainHead
from tests.audit.helpers import audited_command, run_command, run_sql
from tests.factories import ProductFactory, ResourceSpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_entries():
    with audited_command():
        for number in range(5):
            ResourceSpaceFactory(key=f"space-{number}")
    assert list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2, 3, 4, 5]


def verification_error():
    with pytest.raises(CommandError) as raised:
        run_command("verify_audit_log")
    return str(raised.value)


def test_an_intact_chain_verifies_and_names_its_head(five_entries):
    head = ChainHead.objects.get()

    output = run_command("verify_audit_log")

    assert f"intact: 5 entries; head #5 {head.last_hash}" in output


def test_each_entry_links_to_the_previous_ones_hash(five_entries):
    first, second = AuditEntry.objects.order_by("sequence")[:2]

    assert first.previous_hash == chain.GENESIS and second.previous_hash == first.entry_hash
    assert first.entry_hash == chain.hash_of(first)


def test_an_altered_entry_is_found(five_entries):
    run_sql("UPDATE audit_auditentry SET actor = 'mallory' WHERE sequence = 3")

    assert "entry #3 was altered" in verification_error()


def test_an_altered_change_is_found(five_entries):
    run_sql("""UPDATE audit_auditentry SET changes = '{"key": [null, "other"]}' WHERE sequence = 2""")

    assert "entry #2 was altered" in verification_error()


def test_an_altered_last_entry_is_found(five_entries):
    run_sql("UPDATE audit_auditentry SET object_repr = 'nothing to see' WHERE sequence = 5")

    assert "entry #5 was altered" in verification_error()


def test_an_entry_altered_and_rehashed_breaks_the_link_to_the_next(five_entries):
    entry = AuditEntry.objects.get(sequence=2)
    entry.actor = "mallory"
    run_sql("UPDATE audit_auditentry SET actor = 'mallory', entry_hash = %s WHERE sequence = 2",
            chain.hash_of(entry))

    assert "the chain breaks between entries #2 and #3" in verification_error()


def test_a_deleted_entry_is_found(five_entries):
    run_sql("DELETE FROM audit_auditentry WHERE sequence = 3")

    assert "entry #3 was deleted" in verification_error()


def test_a_deleted_last_entry_is_found(five_entries):
    run_sql("DELETE FROM audit_auditentry WHERE sequence = 5")

    assert "entry #5 was deleted" in verification_error()


def forged_after(sequence_before: int, sequence: int) -> AuditEntry:
    """An entry chained after ``sequence_before`` exactly as the application would chain it."""
    forged = AuditEntry.objects.get(sequence=sequence_before)
    forged.pk, forged.sequence, forged.actor = None, sequence, "mallory"
    forged.previous_hash = forged.entry_hash
    forged.entry_hash = chain.hash_of(forged)
    return forged


def insert_raw(entry: AuditEntry):
    run_sql("""INSERT INTO audit_auditentry (sequence, created_at, surface, actor, actor_id, credential,
               client_address, object_type, object_id, object_repr, product, action, changes, previous_hash,
               entry_hash) VALUES (%s, %s, %s, %s, NULL, '', NULL, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)""",
            entry.sequence, entry.created_at, entry.surface, entry.actor, entry.object_type, entry.object_id,
            entry.object_repr, entry.product, entry.action, json.dumps(entry.changes), entry.previous_hash,
            entry.entry_hash)


def test_an_entry_inserted_in_the_middle_is_found(five_entries):
    forged = forged_after(2, 3)
    run_sql("UPDATE audit_auditentry SET sequence = sequence + 100 WHERE sequence > 2")
    insert_raw(forged)

    assert "entry #3 was inserted" in verification_error()


def test_an_entry_inserted_with_a_made_up_hash_is_found(five_entries):
    forged = forged_after(2, 3)
    forged.entry_hash = "f" * 64
    run_sql("UPDATE audit_auditentry SET sequence = sequence + 100 WHERE sequence > 2")
    insert_raw(forged)

    assert "entry #3 was inserted" in verification_error()


def test_an_entry_appended_behind_the_applications_back_is_found(five_entries):
    insert_raw(forged_after(5, 6))

    assert "entry #6 was inserted" in verification_error()


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_append_one_chain_without_forking():
    """Two threads append at once, each in its own transaction and connection: the head lock serialises."""
    errors = []

    def append_many(prefix):
        try:
            with audited_command():
                for number in range(10):
                    ProductFactory(key=f"{prefix}-{number}")
        except Exception as error:  # reported below; a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_many, args=(prefix,)) for prefix in ("left", "right")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert AuditEntry.objects.filter(object_type="catalog.product").count() == 20
    verdict = chain.verify()
    assert verdict.intact, verdict.problem
    assert verdict.checked == AuditEntry.objects.count()


def test_the_application_never_changes_or_deletes_an_entry(five_entries):
    entry = AuditEntry.objects.get(sequence=2)
    entry.actor = "mallory"

    for attempt in (entry.save, entry.delete, AuditEntry.objects.all().delete,
                    lambda: AuditEntry.objects.filter(sequence=2).update(actor="mallory")):
        with pytest.raises(AppendOnly):
            attempt()

    assert AuditEntry.objects.get(sequence=2).actor == "operator@host"
    assert chain.verify().intact
