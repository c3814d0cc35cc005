"""The hash chain over audit entries: appending under a lock, and walking it to find tampering.

Each entry's hash is SHA-256 over its content (every field but its sequence number and
its own hash) and the previous entry's hash, as canonical JSON. Appends lock the one
ChainHead row, so two transactions cannot both extend the same entry (the chain never
forks), and the lock is held until the change and its entry commit together.
"""

import hashlib
import json
from datetime import UTC
from dataclasses import dataclass
from itertools import chain, pairwise

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry, ChainHead

GENESIS = "0" * 64  # the "previous hash" of the first entry
HEAD_ID = 1
HASHED_FIELDS = ("created_at", "surface", "actor", "actor_id", "credential", "client_address", "object_type",
                 "object_id", "object_repr", "product", "action", "changes", "previous_hash")
VERIFY_CHUNK = 2000


def canonical_content(entry: AuditEntry) -> bytes:
    content = {name: getattr(entry, name) for name in HASHED_FIELDS}
    content["created_at"] = entry.created_at.astimezone(UTC).isoformat()
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def hash_of(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_content(entry)).hexdigest()


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:  # an empty database (the migration creates it; a flushed test database has none)
        ChainHead.objects.get_or_create(pk=HEAD_ID)
        head = ChainHead.objects.select_for_update().get(pk=HEAD_ID)
    return head


def append(**fields) -> AuditEntry:
    """Add an entry at the end of the chain, in the caller's transaction."""
    with transaction.atomic():
        head = _locked_head()
        entry = AuditEntry(sequence=head.sequence + 1, previous_hash=head.last_hash or GENESIS,
                           created_at=timezone.now(), **fields)
        entry.entry_hash = hash_of(entry)
        entry.save()
        head.sequence, head.last_hash = entry.sequence, entry.entry_hash
        head.save(update_fields=["sequence", "last_hash"])
    return entry


@dataclass(frozen=True)
class Verdict:
    checked: int  # entries found intact before the first problem (all of them when intact)
    problem: str = ""  # the first entry altered, deleted or inserted; empty when the chain is intact
    head_sequence: int = 0
    head_hash: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def _entries():
    fields = ("sequence", "entry_hash", *HASHED_FIELDS)
    return AuditEntry.objects.order_by("sequence").only(*fields).iterator(chunk_size=VERIFY_CHUNK)


def _broken(entry, following, good_hash, good_sequence, before_good_hash, head) -> str:
    """Why ``entry`` does not continue the chain after the last good entry (``good_*``)."""
    if hash_of(entry) != entry.entry_hash:
        # Its successor (or the head, for the last entry) still names its stored hash: its content changed.
        successor_hash = following.previous_hash if following is not None else (
            head.last_hash if head.sequence == entry.sequence else None)
        if successor_hash == entry.entry_hash:
            return f"entry #{entry.sequence} was altered: its content no longer matches its hash"
        if (following is not None and following.previous_hash == good_hash) or (
                following is None and head.sequence == good_sequence):
            return f"entry #{entry.sequence} was inserted: no entry of the chain leads to it"
        return f"entry #{entry.sequence} was altered: its content no longer matches its hash"
    if good_sequence and entry.previous_hash == before_good_hash:
        return f"entry #{good_sequence} was inserted: entry #{entry.sequence} follows the entry before it"
    if entry.sequence > good_sequence + 1:
        missing = (f"#{good_sequence + 1}" if entry.sequence == good_sequence + 2
                   else f"#{good_sequence + 1} to #{entry.sequence - 1}")
        return f"entry {missing} was deleted: entry #{entry.sequence} names a previous hash no kept entry has"
    return (f"the chain breaks between entries #{good_sequence} and #{entry.sequence}: #{good_sequence} was "
            f"altered and its hash recomputed, or entries between them were deleted and the rest renumbered")


def verify() -> Verdict:
    """Walk the chain in sequence order, in constant memory, and report the first problem."""
    head = ChainHead.objects.filter(pk=HEAD_ID).first() or ChainHead(pk=HEAD_ID)
    good_hash, good_sequence, before_good_hash, checked = GENESIS, 0, None, 0

    def verdict(problem=""):
        return Verdict(checked, problem, head.sequence, head.last_hash)

    for entry, following in pairwise(chain(_entries(), [None])):
        if entry.previous_hash == good_hash and hash_of(entry) == entry.entry_hash:
            before_good_hash, good_hash, good_sequence = good_hash, entry.entry_hash, entry.sequence
            checked += 1
            continue
        return verdict(_broken(entry, following, good_hash, good_sequence, before_good_hash, head))
    if head.sequence > good_sequence:
        missing = (f"#{head.sequence}" if head.sequence == good_sequence + 1
                   else f"#{good_sequence + 1} to #{head.sequence}")
        return verdict(f"entry {missing} was deleted: the chain ends at #{good_sequence}, its head "
                       f"remembers #{head.sequence}")
    if head.sequence < good_sequence:
        return verdict(f"entry #{head.sequence + 1} was inserted: the head remembers #{head.sequence} as the "
                       f"last entry")
    if head.last_hash != (good_hash if good_sequence else head.last_hash):
        return verdict(f"entry #{good_sequence} was altered: its hash differs from the one the head "
                       f"remembers")
    return verdict()
