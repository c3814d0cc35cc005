"""Rollout safety overhead (issue 13): what action types, maintenance windows and rate budgets add to a
device request that cannot be answered from its session (docs/device-edge.md), in-process.

Two products of one release each, rolled out to everyone, one device each with the offer already made:
``bench-safety-plain`` (forced, no windows, no budget) and ``bench-safety-windowed`` (time-forced a month
ahead, two maintenance windows, three attempts, a growing rate budget). Each pair of figures is measured
in alternating batches, so that a busy machine slows both alike; the ratio is the median of the rounds'.
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bench.benchmarks.base import Benchmark
from bench.measure import count_queries
from bench.report import Table, Verdict, number, ratio_text

PLAIN_KEY, WINDOWED_KEY = "bench-safety-plain", "bench-safety-windowed"
VERSION, INSTALLED = "2.0.0", "1.0.0"
# Nightly in Berlin and weekend days: whether one is open depends on when the run is; the run says which.
WINDOWS = (("0 1 * * *", timedelta(hours=4), "Europe/Berlin"),
           ("0 10 * * 6,0", timedelta(hours=8), "Europe/Berlin"))
# The most openings one look at windows reads: a window opening every minute for an hour.
BUSIEST_WINDOW = ("* * * * *", timedelta(hours=1), "UTC")
ROUNDS = 15  # alternating batches of baseline and subject; medians over them
POLL, DAY = 300, 86_400  # seconds: a device polling every five minutes, as the other device benchmarks say


@dataclass(frozen=True)
class Pair:
    """Per-call medians (µs) of a subject and its baseline, and the median and quartiles of the rounds'
    ratios: how far apart the rounds were, the noise a ratio near 1 is to be read against."""

    subject_us: float
    baseline_us: float
    ratio: float
    ratio_quartiles: tuple[float, float]


def paired(subject: Callable[[], object], baseline: Callable[[], object], batch: int) -> Pair:
    """Time ``batch`` calls of each in turn, ROUNDS times after a warm-up batch of each."""
    def per_call(call) -> float:
        started = time.perf_counter()
        for _ in range(batch):
            call()
        return (time.perf_counter() - started) * 1e6 / batch

    per_call(subject), per_call(baseline)
    rounds = [(per_call(subject), per_call(baseline)) for _ in range(ROUNDS)]
    first, median, third = statistics.quantiles([s / b for s, b in rounds], n=4)
    return Pair(statistics.median(s for s, _ in rounds), statistics.median(b for _, b in rounds), median,
                (first, third))


def ensure_product(key: str, windowed: bool, now):
    """The product, its rolled-out release and its device with the offer made, as ``windowed`` says;
    created on the first run, brought back to this shape on later ones. Returns the device."""
    import hashlib

    from catalog.choices import ArtifactState
    from catalog.models import Artifact, Product, Release
    from catalog.versioning import version_key
    from devices.models import Device
    from devices.services.registry import register_device
    from otaportal.edge import store
    from rollouts.models import MAX_OFFERS_PER_MINUTE, RolloutState, Strategy, UpdateType
    from rollouts.services import maintenance, transitions

    product, _ = Product.objects.get_or_create(key=key, defaults={"name": f"Safety benchmark ({key})"})
    release, _ = Release.objects.get_or_create(product=product, module=product.modules.get(), version=VERSION,
                                               defaults={"version_key": version_key(VERSION)})
    Artifact.objects.get_or_create(release=release, defaults={
        "storage_key": f"{key}/{VERSION}/firmware.bin", "file_name": "firmware.bin", "size": 4 * 1024 * 1024,
        "state": ArtifactState.VERIFIED, "sha256": hashlib.sha256(key.encode()).hexdigest()})
    rollout = release.rollout
    if rollout.state != RolloutState.RUNNING:
        rollout = transitions.start(rollout, strategy=Strategy.GENERAL)
    if windowed:
        transitions.set_policy(rollout, update_type=UpdateType.TIMEFORCED, forced_at=now + timedelta(days=30),
                               max_attempts=3, offers_per_minute=MAX_OFFERS_PER_MINUTE,
                               rate_growth_factor=Decimal("1.5"), rate_growth_every=100)
        if not product.maintenance_windows.exists():
            for schedule, duration, zone in WINDOWS:
                maintenance.add_window(product, schedule, duration, zone)
    else:
        transitions.set_policy(rollout, update_type=UpdateType.FORCED, forced_at=None, max_attempts=1,
                               offers_per_minute=None, rate_growth_factor=None, rate_growth_every=None)
    uid = f"{key}-device"
    if not Device.objects.filter(uid=uid).exists():
        register_device(product, uid, agent_version="1.0.0", installed_versions={"default": INSTALLED},
                        attributes={"hardware": "rev-b"}, actor="safety benchmark")
    device = Device.objects.get(uid=uid)
    # The first poll makes the offer; the measured ones find it.
    if poll_ddi(device.pk, store().generation(product.pk), now).deployment is None:
        raise RuntimeError(f"{uid} was offered nothing: the safety benchmark needs a device with an offer")
    return device


def read_device(devices, pk):
    """The device as devices.session.load_device reads it when the idle path cannot answer: one query."""
    return devices.select_related("product").filter(pk=pk, is_active=True).order_by().first()


def poll_ddi(pk, generation, now):
    """The DDI root poll's work after its session round trip, which brought the policy ``generation``
    (rollouts/api/ddi/views.py), but the document."""
    from rollouts import policy
    from rollouts.decision import earliest
    from rollouts.prefetch import current_updates
    from rollouts.services.ddi import controller

    device = read_device(controller.controllers(with_state=True), pk)
    snapshot = policy.for_product(device.product_id, generation)
    state = controller.poll(device, snapshot, controller.update_facts(device), current_updates(device), now)
    earliest(snapshot.holds_until(now), state.holds_until)
    return state


def check_in(pk, generation, request, now):
    """The check-in's work after its session round trip (rollouts/api/checkin/views.py): the offer's body
    (its handling: installation and window), and until when the answer holds."""
    from rollouts import policy
    from rollouts.api.checkin.views import offer_body
    from rollouts.decision import Report, earliest
    from rollouts.prefetch import current_updates, devices_with_current_updates
    from rollouts.services import checkin

    device = read_device(devices_with_current_updates(), pk)
    snapshot = policy.for_product(device.product_id, generation)
    report = Report(agent_version="1.0.0", modules={"default": INSTALLED}, attributes=None)
    answered = checkin.check_in(device, report, snapshot, current_updates(device), now)
    earliest(snapshot.holds_until(now), answered.holds_until)
    return offer_body(request, answered.offer, now)


def quartiles_text(row: dict) -> str:
    return " – ".join(ratio_text(quartile) for quartile in row["quartiles"])


def windows_text() -> str:
    return ", ".join(f"`{schedule}` for {duration}, {zone}" for schedule, duration, zone in WINDOWS)


class SafetyOverhead(Benchmark):
    name = "safety"
    title = "7. Rollout safety overhead"
    intro = (
        "What issue 13's rollout safety adds to a device request the idle path cannot answer, "
        "in-process against the run's database and Redis, for one device whose offer is already "
        f"made. Product `{PLAIN_KEY}`: a forced rollout, no windows, no budget; product "
        f"`{WINDOWED_KEY}`: a time-forced rollout (forced a month ahead), two maintenance windows "
        f"({windows_text()}), three attempts and a growing rate budget. The DDI root poll is the "
        "view's work after the session's round trip: the device read with its update facts and "
        "current updates, `controller.poll` under the product's snapshot and until when the answer "
        "holds (the hawkBit document, the same for both, left out); the check-in likewise with "
        "`checkin.check_in` and the offer's body (its handling). `rollouts.windows.state` cold is with "
        "its per-process cache cleared before each call. A new offer's `budget.admit` is compared "
        f"with a Redis `PING` through the same client. Each pair is measured in {ROUNDS} alternating "
        "batches after a warm-up batch of each: medians per call, and the median of the rounds' "
        "ratios. Queries are of one call. It needs no fleet: `python -m bench run --only safety` "
        "runs it alone."
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows, self.window_state = {}, ""

    def find_missing(self):
        from django.conf import settings

        if settings.OTA_EDGE_REDIS_URL:
            return ""
        return "the device edge's store is not Redis (OTA_EDGE_REDIS_URL)"

    def run(self, ctx):
        from django.test import RequestFactory
        from django.utils import timezone

        from otaportal.edge import store
        from otaportal.process_caches import WINDOW_STATES
        from rollouts import policy, windows
        from rollouts.policy import WindowPolicy
        from rollouts.services import budget

        now = timezone.now()
        plain, windowed = ensure_product(PLAIN_KEY, False, now), ensure_product(WINDOWED_KEY, True, now)
        plain_generation = store().generation(plain.product_id)
        generation = store().generation(windowed.product_id)
        request = RequestFactory().post("/api/v1/device/check-in", HTTP_HOST="127.0.0.1")
        release = policy.for_product(windowed.product_id, generation).releases[0]
        self.window_state = windows.describe(release.windows, now)

        def cold(some: tuple):
            def state():
                WINDOW_STATES.clear()  # the answers this process keeps (rollouts.windows.state)
                return windows.state(some, now)
            return state

        busiest = (WindowPolicy(*BUSIEST_WINDOW),)

        without = "the same without windows, forced"
        self.measure("poll", "DDI root poll, offer made", without, batch=20,
                     subject=lambda: poll_ddi(windowed.pk, generation, now),
                     baseline=lambda: poll_ddi(plain.pk, plain_generation, now))
        self.measure("checkin", "check-in, offer made", without, batch=20,
                     subject=lambda: check_in(windowed.pk, generation, request, now),
                     baseline=lambda: check_in(plain.pk, plain_generation, request, now))
        self.measure("window", "`windows.state` cold (croniter)", "kept in the process", batch=50,
                     subject=cold(release.windows), baseline=lambda: windows.state(release.windows, now))
        self.measure("busiest", f"`windows.state` cold, `{BUSIEST_WINDOW[0]}` for an hour",
                     "kept in the process", batch=1,
                     subject=cold(busiest), baseline=lambda: windows.state(busiest, now))
        self.measure("budget", "`budget.admit` of a new offer", "Redis `PING`, same client", batch=200,
                     subject=lambda: budget.admit(release, now), baseline=store().redis.ping)

    def measure(self, key, subject_label, baseline_label, *, subject, baseline, batch):
        pair = paired(subject, baseline, batch)
        self.rows[key] = {"subject": subject_label, "baseline": baseline_label, "subject_us": pair.subject_us,
                          "baseline_us": pair.baseline_us, "ratio": pair.ratio,
                          "quartiles": pair.ratio_quartiles,
                          "queries": (count_queries(subject)[0], count_queries(baseline)[0])}

    def finish(self, section):
        table = Table("", ["measurement", "baseline (same run)", "per call (µs)", "baseline (µs)", "ratio",
                           "rounds' quartiles", "queries (measured / baseline)"])
        for row in self.rows.values():
            table.add(row["subject"], row["baseline"], number(row["subject_us"], 1),
                      number(row["baseline_us"], 1), ratio_text(row["ratio"]),
                      quartiles_text(row),
                      "{} / {}".format(*row["queries"]))
        section.tables.append(table)
        for key, name in (("poll", "DDI root poll"), ("checkin", "check-in")):
            row = self.rows[key]
            measured, baseline = row["queries"]
            section.verdicts.append(Verdict(
                f"{name} with windows, a time-forced type and a budget keeps its query count",
                measured == baseline,
                f"{measured} / {baseline} queries, {ratio_text(row['ratio'])} the time (rounds' quartiles "
                f"{quartiles_text(row)})"))
        window, busiest = self.rows["window"], self.rows["busiest"]
        budget, poll = self.rows["budget"], self.rows["poll"]
        section.verdicts.append(Verdict("window state and rate budget run no SQL",
                                        window["queries"][0] == budget["queries"][0] == 0,
                                        f"{window['queries'][0]} and {budget['queries'][0]} queries"))
        kept = window["baseline_us"]
        section.notes += [
            f"The windowed product's windows at the run: {self.window_state}.",
            f"A window's state is computed with croniter ({number(window['subject_us'])} µs) once per "
            f"process and set of windows until its next edge; in between it is kept ({number(kept, 1)} µs, "
            f"{kept / poll['subject_us']:.2%} of a changed DDI poll). The busiest window (a look merges at "
            f"most `windows.MAX_MERGED` openings) costs {number(busiest['subject_us'] / 1000, 1)} ms a "
            "look, paid once in each process by the request that finds the kept state out of date.",
            "At each edge of a product's windows (and at a forced time) the remembered answers of its "
            "devices stop holding (`ProductPolicy.holds_until`): each device's next request takes the "
            f"changed path once. A nightly window has two edges a day: 2 of the {DAY // POLL} daily "
            f"requests of a device polling every {POLL // 60} minutes.",
            f"The rate budget is one Redis round trip ({number(budget['subject_us'])} µs, "
            f"{ratio_text(budget['ratio'])} a PING), taken only for a new offer (which also inserts its "
            "update and event); an offer already made and the idle path (remembered answers) never take it.",
        ]
