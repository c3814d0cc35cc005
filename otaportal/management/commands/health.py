import json

from django.core.management.base import BaseCommand, CommandError

from otaportal import health


class Command(BaseCommand):
    help = (
        "Check the database, the cache, the Celery broker, artifact storage, a worker (ping) and beat's "
        "last tick. Exits with status 1 naming the failing checks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true",
                            help="The report as JSON, as GET /health/ gives it.")

    def handle(self, *args, **options):
        report = health.report()
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for check in report.checks:
                self.stdout.write(f"{check.name:<9} {'ok' if check.ok else 'FAILING':<8} {check.detail}")
        if not report.ok:
            raise CommandError(f"failing: {', '.join(report.failing)}")
