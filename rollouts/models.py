import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from catalog.models import Product, Release
from devices.models import Device
from rollouts.windows import MAX_SCHEDULE_LENGTH, validate_schedule, validate_time_zone

percent_validators = [MinValueValidator(0), MaxValueValidator(100)]
# A progress timeout: at least the sweep's period (a minute), at most a month.
SHORTEST_TIMEOUT, LONGEST_TIMEOUT = timedelta(minutes=1), timedelta(days=30)
timeout_validators = [MinValueValidator(SHORTEST_TIMEOUT), MaxValueValidator(LONGEST_TIMEOUT)]
# Retries: at most ten attempts; the first back-off from a minute to a week (it doubles with each attempt).
MAX_ATTEMPTS = 10
SHORTEST_BACKOFF, LONGEST_BACKOFF = timedelta(minutes=1), timedelta(days=7)
backoff_validators = [MinValueValidator(SHORTEST_BACKOFF), MaxValueValidator(LONGEST_BACKOFF)]
# Rate budgets: new offers per minute, and how they grow (AWS IoT Jobs' exponential rate).
MAX_OFFERS_PER_MINUTE = 1_000_000
growth_validators = [MinValueValidator(Decimal("1.1")), MaxValueValidator(Decimal("5"))]


class Strategy(models.TextChoices):
    SUSPENDED = "suspended", "Suspended: nobody gets it"
    TARGETED = "targeted", "Targeted: devices matching a filter whose date has passed"
    GENERAL = "general", "General: every device the upgrade graph allows"


class RolloutState(models.TextChoices):
    DRAFT = "draft", "Draft: not started"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    ABORTED = "aborted", "Aborted"
    COMPLETED = "completed", "Completed"


class UpdateType(models.TextChoices):
    """hawkBit's action types; how each maps to DDI and check-in: docs/rollouts.md, "Action types"."""

    FORCED = "forced", "Forced: download and install at once"
    SOFT = "soft", "Soft: the device may put it off"
    TIMEFORCED = "timeforced", "Time-forced: soft until the forced time, then forced"
    DOWNLOAD_ONLY = "downloadonly", "Download only: download, do not install"


class DeviceFilter(models.Model):
    """A named, reusable query over devices; ``id`` is the API's ``filterId``.

    ``conditions`` is a list of ``{"field", "op", "value"}`` that must all hold
    (README, "Device filters").
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=128, unique=True)
    description = models.TextField(blank=True)
    conditions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from rollouts.conditions import validate

        self.conditions = validate(self.conditions)


class Rollout(models.Model):
    """The rollout policy of one release: who gets it, when, and how far it has spread."""

    release = models.OneToOneField(Release, on_delete=models.CASCADE, related_name="rollout")
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.SUSPENDED)
    state = models.CharField(
        max_length=16, choices=RolloutState.choices, default=RolloutState.DRAFT,
        help_text="A draft offers nothing whatever its policy says; only Start makes it live.",
    )
    state_reason = models.TextField(blank=True, help_text="Why the rollout was paused or aborted.")
    skip_dispatching_to_endpoint = models.BooleanField(
        default=False, help_text="Offer the release only once its file is uploaded and verified."
    )
    update_type = models.CharField(
        max_length=16, choices=UpdateType.choices, default=UpdateType.FORCED,
        help_text="hawkBit's action type: how the device is to handle the download and the installation.",
    )
    forced_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Time-forced rollouts: soft until this moment, forced from it. Required for time-forced only.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_ATTEMPTS)],
        help_text=f"How many times a device is offered the release in all: a failed or timed-out device is "
                  f"offered it again until then, after the back-off; 1: never again. At most {MAX_ATTEMPTS}.",
    )
    retry_backoff = models.DurationField(
        default=timedelta(minutes=10), validators=backoff_validators,
        help_text="How long after a failure the release is offered again; it doubles with each attempt. "
                  "1 minute to 7 days.",
    )
    retry_rolled_back = models.BooleanField(
        default=False, help_text="Offer the release again to devices that rolled it back too (not only to those "
                                 "that failed or timed out).",
    )
    offers_per_minute = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFERS_PER_MINUTE)],
        help_text="Rate budget: at most this many new offers per minute over every web process and host; "
                  "devices beyond it are answered \"nothing now\" and admitted on a later poll. Empty: no limit.",
    )
    rate_growth_factor = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, blank=True, validators=growth_validators,
        help_text="Exponential rate: the budget is multiplied by this factor (1.1 to 5) after every "
                  "\"successes per step\" successful updates. Empty: the budget stays as it is.",
    )
    rate_growth_every = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)],
        help_text="Exponential rate: how many successful updates raise the budget by the growth factor.",
    )
    requires_confirmation = models.BooleanField(
        default=False, help_text="User consent: each device confirms (or denies) the update before it downloads "
                                 "it, unless its auto-confirm is on (hawkBit's confirmation flow).",
    )
    download_timeout = models.DurationField(
        null=True, blank=True, validators=timeout_validators,
        help_text="How long a device may stay downloading or downloaded (each status on its own clock) before "
                  "its update times out and counts as a failure, e.g. 2:00:00; empty: never. 1 minute to 30 days.",
    )
    install_timeout = models.DurationField(
        null=True, blank=True, validators=timeout_validators,
        help_text="How long a device may stay installing before its update times out and counts as a failure, "
                  "e.g. 0:30:00; empty: never. 1 minute to 30 days. Installed is an outcome already (DDI's "
                  "closed/success) and never times out.",
    )
    current_phase = models.PositiveIntegerField(default=0, help_text="Position of the phase in force.")
    phase_started_at = models.DateTimeField(null=True, blank=True)
    filters = models.ManyToManyField(DeviceFilter, through="RolloutFilter", related_name="rollouts", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"rollout of {self.release}"

    @property
    def is_offering(self):
        """Running or completed rollouts offer the release; drafts, paused and aborted ones do not."""
        return self.state in (RolloutState.RUNNING, RolloutState.COMPLETED)


class RolloutFilter(models.Model):
    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="rollout_filters")
    filter = models.ForeignKey(DeviceFilter, on_delete=models.PROTECT, related_name="rollout_filters")
    rollout_date = models.DateTimeField(
        null=True, blank=True, help_text="Devices matching the filter get the release from this time on."
    )

    class Meta:
        ordering = ["rollout_date", "id"]
        constraints = [models.UniqueConstraint(fields=["rollout", "filter"], name="rollout_filter_unique")]


# A maintenance window stays open from a minute to a week.
SHORTEST_WINDOW, LONGEST_WINDOW = timedelta(minutes=1), timedelta(days=7)


class MaintenanceWindow(models.Model):
    """When devices may install: from each moment ``schedule`` names in ``time_zone``, for ``duration``.

    A window belongs to a product (every rollout of it) or to one rollout, whose
    own windows then replace its product's. Outside every window devices may
    download but not install (rollouts.windows).
    """

    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="maintenance_windows")
    rollout = models.ForeignKey("Rollout", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="maintenance_windows")
    schedule = models.CharField(
        max_length=MAX_SCHEDULE_LENGTH, validators=[validate_schedule],
        help_text="When the window opens, as cron: minute hour day-of-month month day-of-week, "
                  "e.g. \"0 2 * * *\" every day at 02:00, \"30 22 * * 1-5\" weekdays at 22:30.",
    )
    duration = models.DurationField(
        validators=[MinValueValidator(SHORTEST_WINDOW), MaxValueValidator(LONGEST_WINDOW)],
        help_text="How long it stays open, e.g. 3:00:00; 1 minute to 7 days.",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone],
                                 help_text="The IANA time zone the schedule is read in, e.g. Europe/Berlin.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["product", "rollout", "id"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(product__isnull=False, rollout__isnull=True)
                       | models.Q(product__isnull=True, rollout__isnull=False)),
            name="maintenance_window_one_owner",
        )]

    def __str__(self):
        return f"{self.schedule} for {self.duration} ({self.time_zone})"


class RolloutPhase(models.Model):
    """One step of a phased rollout: a share of the eligible devices, a soak time, thresholds."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveIntegerField()
    percentage = models.DecimalField(max_digits=5, decimal_places=2, validators=percent_validators)
    min_soak = models.DurationField(help_text="How long the phase runs at least before the next one.")
    success_threshold = models.DecimalField(
        max_digits=5, decimal_places=2, default=95, validators=percent_validators,
        help_text="Share of the phase's finished updates that must succeed before advancing.",
    )
    failure_threshold = models.DecimalField(
        max_digits=5, decimal_places=2, default=5, validators=percent_validators,
        help_text="Share of the phase's updates failing or rolled back that pauses the rollout.",
    )

    class Meta:
        ordering = ["rollout", "position"]
        constraints = [models.UniqueConstraint(fields=["rollout", "position"], name="rollout_phase_unique")]


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    STARTED = "started", "Started"
    POLICY_CHANGED = "policy_changed", "Policy changed"
    PHASE_ADVANCED = "phase_advanced", "Phase advanced"
    COMPLETED = "completed", "Completed"
    PAUSED = "paused", "Paused"
    AUTO_PAUSED = "auto_paused", "Paused automatically"
    RESUMED = "resumed", "Resumed"
    ABORTED = "aborted", "Aborted"
    OFFERS_WITHDRAWN = "offers_withdrawn", "Offers withdrawn"
    UPDATES_TIMED_OUT = "updates_timed_out", "Device updates timed out"


class RolloutEvent(models.Model):
    """What happened to a rollout, who did it and why: the audit trail of every transition."""

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    message = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rollout", "-created_at"], name="rollout_event_recent")]

    def __str__(self):
        return f"{self.rollout_id} {self.kind}"


class UpdateStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    AWAITING_CONFIRMATION = "awaiting_confirmation", "Awaiting confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    DENIED = "denied", "Denied"
    DOWNLOADING = "downloading", "Downloading"
    DOWNLOADED = "downloaded", "Downloaded"
    INSTALLING = "installing", "Installing"
    INSTALLED = "installed", "Installed"
    COMMITTED = "committed", "Committed"
    ROLLED_BACK = "rolled_back", "Rolled back"
    FAILED = "failed", "Failed"
    REJECTED = "rejected", "Rejected"
    CANCELED = "canceled", "Canceled"
    TIMED_OUT = "timed_out", "Timed out"


# The update statuses by what they mean; every module imports these groups rather than listing statuses.
# Outcomes that count for the thresholds of the phase the update was offered in.
SUCCESS_STATUSES = frozenset({UpdateStatus.INSTALLED, UpdateStatus.COMMITTED})
FAILURE_STATUSES = frozenset({UpdateStatus.FAILED, UpdateStatus.ROLLED_BACK, UpdateStatus.TIMED_OUT})
# Failures a rollout with attempts left offers again after its back-off; rolled back only if it says so
# (rollouts.retries).
RETRIED_STATUSES = frozenset({UpdateStatus.FAILED, UpdateStatus.TIMED_OUT})
# A device whose update reached one of these is not offered the release again (but for a retry of a failure,
# rollouts.decision). A denial counts apart from failures; the device may still confirm it later.
DONE_STATUSES = SUCCESS_STATUSES | FAILURE_STATUSES | {UpdateStatus.REJECTED, UpdateStatus.DENIED}
# Offered, not yet confirmed or confirmed: the device has not started on it.
WAITING_STATUSES = frozenset({UpdateStatus.OFFERED, UpdateStatus.AWAITING_CONFIRMATION, UpdateStatus.CONFIRMED})
# Offers the device has not started installing: aborting the rollout cancels them.
OPEN_STATUSES = WAITING_STATUSES | {UpdateStatus.DOWNLOADING, UpdateStatus.DOWNLOADED}
# The device has started working on the update: it may finish it even if its rollout was paused meanwhile.
STARTED_STATUSES = frozenset({UpdateStatus.DOWNLOADING, UpdateStatus.DOWNLOADED, UpdateStatus.INSTALLING})
# Offered or started: hawkBit's active action. Every other status is closed (the device stopped working on it).
ACTIVE_STATUSES = STARTED_STATUSES | WAITING_STATUSES
CLOSED_STATUSES = frozenset(UpdateStatus) - ACTIVE_STATUSES
# No report moves an update out of these (a failed one may start a new attempt; an installed one be committed).
# A report on a timed-out update is kept in its log, not applied (rollouts.services.feedback).
FINAL_STATUSES = frozenset({UpdateStatus.COMMITTED, UpdateStatus.ROLLED_BACK, UpdateStatus.REJECTED,
                            UpdateStatus.CANCELED, UpdateStatus.TIMED_OUT})
# The statuses each of a rollout's progress timeouts watches (rollouts.services.timeouts).
DOWNLOAD_STATUSES = frozenset({UpdateStatus.DOWNLOADING, UpdateStatus.DOWNLOADED})
INSTALL_STATUSES = frozenset({UpdateStatus.INSTALLING})
# The order progress moves in within one attempt (rollouts.services.feedback).
PROGRESS_ORDER = (UpdateStatus.OFFERED, UpdateStatus.DOWNLOADING, UpdateStatus.DOWNLOADED, UpdateStatus.INSTALLING,
                  UpdateStatus.INSTALLED, UpdateStatus.COMMITTED)
# What a device may report; offered and canceled are the portal's to write, confirmed and denied answer
# awaiting_confirmation (rollouts.services.consent).
REPORTABLE_STATUSES = (UpdateStatus.CONFIRMED, UpdateStatus.DENIED, UpdateStatus.DOWNLOADING,
                       UpdateStatus.DOWNLOADED, UpdateStatus.INSTALLING, UpdateStatus.INSTALLED,
                       UpdateStatus.COMMITTED, UpdateStatus.ROLLED_BACK, UpdateStatus.FAILED, UpdateStatus.REJECTED)

class DeviceUpdate(models.Model):
    """One device's progress with one release; created when the device is first offered it.

    ``id`` is the ``updateId`` of check-in and the ``actionId`` of hawkBit DDI.
    """

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="updates")
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="device_updates")
    phase = models.PositiveIntegerField(default=0, help_text="Rollout phase in force when it was offered.")
    from_version = models.CharField(max_length=256, blank=True)
    status = models.CharField(max_length=24, choices=UpdateStatus.choices, default=UpdateStatus.OFFERED)
    reason = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=1)
    offered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(
        default=timezone.now, editable=False,
        help_text="When the update entered its status: the clock of the rollout's progress timeouts.",
    )
    # hawkBit DDI (rollouts.services.ddi): what the device has answered about this update.
    cancel_acknowledged_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the device answered the cancellation of this update over hawkBit DDI.",
    )
    attributes_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="When the device sent its attributes (DDI configData) after installing this update.",
    )

    class Meta:
        ordering = ["-offered_at"]
        constraints = [models.UniqueConstraint(fields=["device", "release"], name="device_update_unique")]
        indexes = [
            models.Index(fields=["release", "phase", "status"], name="device_update_progress"),
            models.Index(fields=["device", "status"], name="device_update_device_status"),
            # The timeout sweep reads only the updates past a rollout's timeout (rollouts.services.timeouts).
            models.Index(fields=["release", "status", "status_changed_at"], name="device_update_status_age"),
        ]

    def __str__(self):
        return f"{self.device_id} → {self.release_id} {self.status}"


class LogChannel(models.TextChoices):
    CHECK_IN = "check-in", "Check-in status report"
    DDI = "ddi", "hawkBit DDI feedback"
    PORTAL = "portal", "The portal"


class UpdateLogEntry(models.Model):
    """One report a device sent about its update, with its messages: the update's action log, as hawkBit keeps.

    ``position`` counts the lines of the update's log before this entry, the
    trimmed ones included, so the oldest entry's position is how many lines were
    trimmed; an entry's lines are its messages, or one (what was reported) when
    it has none. Written only by rollouts.services.update_log.
    """

    update = models.ForeignKey(DeviceUpdate, on_delete=models.CASCADE, related_name="log_entries")
    position = models.PositiveIntegerField(editable=False)
    line_count = models.PositiveIntegerField(editable=False, help_text="Its messages, or 1 when it has none.")
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    channel = models.CharField(max_length=16, choices=LogChannel.choices)
    reported = models.CharField(max_length=128, help_text="What the device reported, as it said it.")
    status = models.CharField(max_length=24, choices=UpdateStatus.choices,
                              help_text="The update's status once the report was applied.")
    messages = models.JSONField(default=list, blank=True,
                                help_text="The report's messages (DDI details, the check-in reason), in order.")

    class Meta:
        ordering = ["update", "position"]
        verbose_name_plural = "update log entries"
        constraints = [models.UniqueConstraint(fields=["update", "position"], name="update_log_position_unique")]

    def __str__(self):
        return f"{self.update_id} #{self.position} {self.reported}"
