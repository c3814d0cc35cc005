from pathlib import Path

from django.core.management.base import CommandError

from catalog.services.tuf_keys import MAX_ROOT_BYTES, import_signed_root
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Import a root signed offline (the file tuf_init --offline-root, tuf_draft_root or "
            "tuf_rotate_key wrote, signed there), then publish.")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The signed root metadata.")

    def handle(self, *args, file, **options):
        try:
            with file.open("rb") as handle:
                content = handle.read(MAX_ROOT_BYTES + 1)  # enough to tell a file too large
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        repository = import_signed_root(content)
        self.stdout.write(self.style.SUCCESS(f"Imported the signed root; published the {repository}."))
