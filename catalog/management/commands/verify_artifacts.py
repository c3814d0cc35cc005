from collections import Counter

from django.core.management.base import CommandError

from catalog.choices import ArtifactState
from catalog.models import Artifact
from catalog.services.verification import request_verification, verify_now
from otaportal.management.base import PortalCommand

STATES = {
    "pending": [ArtifactState.PENDING],
    "failed": [ArtifactState.FAILED],
    "all": None,
}


class Command(PortalCommand):
    help = (
        "Verify artifacts again: by default queue them for the workers; with --wait, verify them in this "
        "process and report each failure. Exits with status 1 when any artifact failed (--wait)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--state", choices=sorted(STATES), default="pending",
                            help="Which artifacts: pending (default), failed, or all of them.")
        parser.add_argument("--wait", action="store_true",
                            help="Verify here and now instead of queueing, and report the outcome.")

    def handle(self, *args, state, wait, **options):
        artifacts = Artifact.objects.select_related(
            "release__product", "release__module", "candidate_for__product", "candidate_for__module"
        ).order_by("pk")
        if STATES[state] is not None:
            artifacts = artifacts.filter(state__in=STATES[state])
        artifacts = list(artifacts)
        if not artifacts:
            self.stdout.write(f"No {'' if state == 'all' else state + ' '}artifacts to verify.")
            return
        if wait:
            self.verify_here(artifacts)
        else:
            for artifact in self.progress_bar(iterable=artifacts, unit="artifact", desc="queue"):
                request_verification(artifact)
            self.stdout.write(self.style.SUCCESS(f"Queued {len(artifacts)} artifact(s) for verification."))

    def verify_here(self, artifacts):
        outcomes = Counter()
        failures = []
        for artifact in self.progress_bar(iterable=artifacts, unit="artifact", desc="verify"):
            result = verify_now(artifact)
            outcomes[result.state] += 1
            if result.state == ArtifactState.FAILED:
                failures.append(f"  {artifact.release_of} ({result.file_name}): {result.failure}")
        summary = ", ".join(f"{count} {state}" for state, count in sorted(outcomes.items()))
        self.stdout.write(f"Verified {len(artifacts)} artifact(s): {summary}.")
        if failures:
            self.stdout.write("\n".join(failures))
            raise CommandError(f"{len(failures)} of {len(artifacts)} artifact(s) failed verification.")
