"""Live counts of a rollout's device updates, per state and per phase, in one aggregate query."""

from dataclasses import dataclass, field

from django.db.models import Count

from rollouts.models import FAILURE_STATUSES, RETRIED_STATUSES, SUCCESS_STATUSES, DeviceUpdate, Rollout, UpdateStatus


@dataclass(frozen=True)
class Outcomes:
    """The updates of one phase (or of the whole rollout) by status."""

    by_status: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.by_status.values())

    @property
    def successes(self):
        return sum(self.by_status.get(status, 0) for status in SUCCESS_STATUSES)

    @property
    def failures(self):
        return sum(self.by_status.get(status, 0) for status in FAILURE_STATUSES)

    @property
    def denials(self):
        """Updates the device refused when asked for its consent: neither a success nor a failure, and not an
        outcome, so a denial never moves the rollout's thresholds (rollouts.services.consent)."""
        return self.by_status.get(UpdateStatus.DENIED, 0)

    @property
    def outcomes(self):
        """Updates with a verdict: installed or committed, failed or rolled back."""
        return self.successes + self.failures

    @property
    def success_rate(self):
        """Percentage of outcomes that succeeded, None before any outcome."""
        return 100 * self.successes / self.outcomes if self.outcomes else None

    @property
    def failure_rate(self):
        return 100 * self.failures / self.outcomes if self.outcomes else None

    def as_dict(self):
        return {status.value: self.by_status.get(status.value, 0) for status in UpdateStatus}


@dataclass(frozen=True)
class Progress:
    overall: Outcomes
    by_phase: dict  # phase position -> Outcomes

    def phase(self, position) -> Outcomes:
        return self.by_phase.get(position, Outcomes())


def _progress_from(rows) -> Progress:
    overall, by_phase = {}, {}
    for row in rows:
        overall[row["status"]] = overall.get(row["status"], 0) + row["n"]
        by_phase.setdefault(row["phase"], {})[row["status"]] = row["n"]
    return Progress(Outcomes(overall), {phase: Outcomes(counts) for phase, counts in sorted(by_phase.items())})


def progress_of(release_id) -> Progress:
    """Counts of one release's device updates per status, overall and per phase (one query)."""
    rows = (DeviceUpdate.objects.filter(release_id=release_id).order_by()
            .values("phase", "status").annotate(n=Count("id")))
    return _progress_from(rows)


def progress_of_many(release_ids) -> dict:
    """``progress_of`` for many releases in one query: release id (str) -> Progress."""
    rows = (DeviceUpdate.objects.filter(release_id__in=list(release_ids)).order_by()
            .values("release_id", "phase", "status").annotate(n=Count("id")))
    grouped = {}
    for row in rows:
        grouped.setdefault(str(row["release_id"]), []).append(row)
    return {release_id: _progress_from(grouped.get(str(release_id), [])) for release_id in map(str, release_ids)}


def phase_outcomes(release_id, position) -> Outcomes:
    rows = (DeviceUpdate.objects.filter(release_id=release_id, phase=position).order_by()
            .values("status").annotate(n=Count("id")))
    return Outcomes({row["status"]: row["n"] for row in rows})


def retries_text(rollout: Rollout) -> str:
    """The rollout's retry options and how many failed updates still have attempts left (one count)."""
    if rollout.max_attempts == 1:
        return "none (one attempt)"
    retried = {*RETRIED_STATUSES, *([UpdateStatus.ROLLED_BACK] if rollout.retry_rolled_back else [])}
    waiting = DeviceUpdate.objects.filter(release_id=rollout.release_id, status__in=retried,
                                          attempt__lt=rollout.max_attempts).count()
    return (f"up to {rollout.max_attempts} attempts, back-off {rollout.retry_backoff} doubling each attempt"
            + (", rolled back too" if rollout.retry_rolled_back else "") + f"; {waiting} failed with attempts left")
