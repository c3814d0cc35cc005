import json
from datetime import UTC, datetime, time

from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from audit.models import AuditEntry
from otaportal.management.base import PortalCommand

EXPORT_CHUNK = 2000
FIELDS = ("sequence", "created_at", "surface", "actor", "actor_id", "credential", "client_address",
          "object_type", "object_id", "object_repr", "product", "action", "changes", "previous_hash",
          "entry_hash")


def parse_since(value: str) -> datetime:
    """An ISO 8601 time (``2026-11-29T18:00:00Z``) or date (``2026-11-29``, from midnight UTC)."""
    moment = parse_datetime(value)
    if moment is None and parse_date(value) is not None:
        moment = datetime.combine(parse_date(value), time.min)
    if moment is None:
        raise CommandError(f"--since: {value!r} is not an ISO 8601 date or time, e.g. 2026-11-29T18:00:00Z.")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class Command(PortalCommand):
    help = "Write the audit log's entries as JSON lines (one entry a line, oldest first) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=parse_since, required=True,
                            help="Entries from this ISO 8601 time or date on (UTC unless it says otherwise).")
        parser.add_argument("--output", help="Write to this file instead of stdout.")

    def handle(self, *args, since, output, **options):
        entries = (AuditEntry.objects.filter(created_at__gte=since).order_by("sequence")
                   .values(*FIELDS).iterator(chunk_size=EXPORT_CHUNK))
        stream = open(output, "w", encoding="utf-8") if output else self.stdout._out
        written = 0
        try:
            for entry in entries:
                stream.write(json.dumps(entry, cls=DjangoJSONEncoder, sort_keys=True) + "\n")
                written += 1
        finally:
            if output:
                stream.close()
        self.stderr.write(f"Exported {written} audit entries since {since.isoformat()}.")
