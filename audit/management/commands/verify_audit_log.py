from django.core.management.base import CommandError

from audit import chain
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Walk the audit log's hash chain and report the first entry altered, deleted or inserted "
            "(exit status 1). Prints the head's sequence and hash: keep them elsewhere to compare later.")

    def handle(self, *args, **options):
        verdict = chain.verify()
        if not verdict.intact:
            raise CommandError(f"The audit log was tampered with: {verdict.problem} "
                               f"({verdict.checked} entries intact before it).")
        self.stdout.write(self.style.SUCCESS(
            f"The audit log is intact: {verdict.checked} entries; head #{verdict.head_sequence} "
            f"{verdict.head_hash or '(empty)'}."
        ))
