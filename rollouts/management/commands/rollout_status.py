from rollouts.management.base import RELEASE_HELP, RolloutCommand, find_release, release_label
from django.utils import timezone

from rollouts.models import FAILURE_STATUSES, Rollout, Strategy, UpdateStatus
from rollouts.services import budget, progress
from rollouts.services.transitions import phase_in_force

COLUMNS = ["RELEASE", "STRATEGY", "STATE", "PHASE", *(status.value.upper() for status in UpdateStatus)]


class Command(RolloutCommand):
    help = ("A table of rollouts: strategy, state, the phase in force (numbered from 1: 2/4 is the second of four, "
            "with its share of devices) and device updates per state.")

    def add_arguments(self, parser):
        parser.add_argument("release", nargs="?", help=RELEASE_HELP + " Without it: every rollout not suspended.")
        parser.add_argument("--all", action="store_true", help="Include suspended rollouts.")

    def handle(self, *args, release=None, all=False, **options):
        rollouts = Rollout.objects.select_related("release__product", "release__module").prefetch_related("phases")
        if release:
            rollouts = rollouts.filter(release=find_release(release))
        elif not all:
            rollouts = rollouts.exclude(strategy=Strategy.SUSPENDED)
        rollouts = list(rollouts.order_by("release__product__key", "release__module__name", "release__version_key"))
        counts = progress.progress_of_many([rollout.release_id for rollout in rollouts])
        rows = [COLUMNS] + [self._row(rollout, counts[str(rollout.release_id)]) for rollout in rollouts]
        widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        if not rollouts:
            self.stdout.write("No rollouts." if all or release else "No rollouts (suspended ones need --all).")
        if release and rollouts:
            self._details(rollouts[0])

    def _row(self, rollout, counts):
        phases = list(rollout.phases.all())
        phase = phase_in_force(rollout, phases)
        where = f"{phases.index(phase) + 1}/{len(phases)} {phase.percentage.normalize():f}%" if phase else "100%"
        statuses = counts.overall.as_dict()
        return [release_label(rollout.release), rollout.strategy, rollout.state, where,
                *(str(statuses[status.value]) for status in UpdateStatus)]

    def _details(self, rollout):
        if rollout.state_reason:
            self.stdout.write(f"Reason: {rollout.state_reason}")
        self.stdout.write(f"Timeouts: download {rollout.download_timeout or 'never'}, "
                          f"install {rollout.install_timeout or 'never'} (set with rollout_timeouts)")
        self.stdout.write(f"Retries: {progress.retries_text(rollout)}")
        current = budget.budget_of(rollout, timezone.now())
        self.stdout.write(f"Rate budget: {current.describe().removeprefix('budget: ') if current else 'none'}")
        for link in rollout.rollout_filters.select_related("filter"):
            date = link.rollout_date.isoformat() if link.rollout_date else "now"
            self.stdout.write(f"Filter: {link.filter.name} ({link.filter_id}) from {date}")
        for event in rollout.events.all()[:5]:
            self.stdout.write(f"Event: {event.created_at:%Y-%m-%d %H:%M} {event.kind}: {event.message}")
        failures = rollout.release.device_updates.filter(status__in=FAILURE_STATUSES).select_related("device")
        for update in failures.order_by("-updated_at")[:5]:
            self.stdout.write(f"Failure: {update.device.uid} {update.status}: {update.reason or '-'}")

