from pathlib import Path

from django.core.management.base import CommandError

from catalog.services.tuf_keys import import_signed_root
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = "Import a root signed offline (the file tuf_init --offline-root wrote, signed), then publish."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The signed root metadata.")

    def handle(self, *args, file, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        repository = import_signed_root(content)
        self.stdout.write(self.style.SUCCESS(f"Imported the signed root; published the {repository}."))
