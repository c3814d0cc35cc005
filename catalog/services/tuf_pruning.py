"""Pruning superseded TUF metadata, so that a repository's table does not grow with every publication.

What a client can still ask for stays:

- every root version: a device that was offline for long walks the root chain from the
  version it trusts (``2.root.json``, ``3.root.json``, …) to the newest, so no version may go;
- the newest snapshot and targets, and the ``PREVIOUS_VERSIONS_KEPT`` before each: a client
  that read ``timestamp.json`` just before a publication asks for the snapshot it named, and
  that snapshot's targets, a moment later (consistent snapshots: the old names stay valid);
- the newest timestamp: ``timestamp.json`` is the only name it is served under.

Beat deletes the rest (catalog.tasks.refresh_tuf_repositories), ``BATCH_SIZE`` rows per
statement so that a long backlog never holds a long lock.
"""

from django.db.models import F, OuterRef, Q, Subquery

from catalog.models import TufMetadata, TufRole

PREVIOUS_VERSIONS_KEPT = 10
BATCH_SIZE = 500


def superseded():
    """Metadata no client asks for any more: older timestamps, snapshots and targets beyond those kept."""
    newest = (TufMetadata.objects.filter(repository=OuterRef("repository"), role=OuterRef("role"))
              .order_by("-version").values("version")[:1])
    return (TufMetadata.objects.exclude(role=TufRole.ROOT).annotate(newest=Subquery(newest))
            .filter(Q(role=TufRole.TIMESTAMP, version__lt=F("newest"))
                    | Q(role__in=[TufRole.SNAPSHOT, TufRole.TARGETS],
                        version__lt=F("newest") - PREVIOUS_VERSIONS_KEPT)))


def prune(batch_size: int = BATCH_SIZE) -> int:
    """Delete superseded metadata of every repository, a batch per statement; returns how many rows went."""
    pruned = 0
    while batch := list(superseded().values_list("pk", flat=True)[:batch_size]):
        deleted, _ = TufMetadata.objects.filter(pk__in=batch).delete()
        pruned += deleted
    return pruned
