"""4. Rollout start and widening: time, queries and rows written, by fleet size."""

import importlib.util
from datetime import timedelta
from decimal import Decimal

from bench.benchmarks.base import Benchmark
from bench.measure import count_queries, rows_written, time_calls
from bench.report import Table, Verdict, number, ratio_text

BAR_MS = 100
# A rollout's own rows (rollout, phases, event); anything past this would be per device.
MAX_ROWS = 20


class RolloutStart(Benchmark):
    name = "rollout"
    title = "4. Rollout start and widening"
    sized = True
    intro = ("`rollouts.services.transitions.start` (general strategy, phases 1 % → 50 % → 100 %) and "
             "`advance_phase` from 1 % to 50 % on a release of the main fleet's largest product, in-process "
             "against the same database; rows written are PostgreSQL's own counts of rows inserted, updated "
             "and deleted (`pg_stat_user_tables`) during the call. Baseline: updating one row of the rollout "
             "table in a transaction. The phase check (`advance_blockers`: soak time and the phase's outcomes "
             "from the device updates) is timed on its own, as widening without `force` runs it.")

    def find_missing(self):
        if importlib.util.find_spec("rollouts.services.transitions") is None:
            return "rollouts.services.transitions (start, advance_phase) is not on main yet"
        return ""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows = []

    def at_size(self, ctx, devices):
        from django.db import transaction
        from django.utils import timezone

        from rollouts.models import Rollout, Strategy
        from rollouts.services import transitions

        rollout = (Rollout.objects.filter(release__product__key="sim-gateway", strategy=Strategy.SUSPENDED)
                   .select_related("release").order_by("-release__version_key").first())
        phases = [transitions.PhaseSpec(Decimal(p), timedelta(0)) for p in ("1", "50", "100")]

        def baseline():
            with transaction.atomic():
                Rollout.objects.filter(pk=rollout.pk).update(updated_at=timezone.now())

        def start():
            return transitions.start(rollout, strategy=Strategy.GENERAL, phases=phases)

        def widen():
            return transitions.advance_phase(rollout, force=True)

        def suspend():
            Rollout.objects.filter(pk=rollout.pk).update(strategy=Strategy.SUSPENDED, current_phase=0,
                                                         phase_started_at=None)

        base = time_calls(baseline, repeat=5)
        start_times, widen_times, start_rows, widen_rows = [], [], {}, {}
        start_queries = widen_queries = 0
        for attempt in range(3):
            suspend()
            timing = time_calls(start, repeat=1, warmup=0)
            start_times.append(timing.best)
            timing = time_calls(widen, repeat=1, warmup=0)
            widen_times.append(timing.best)
        suspend()
        start_queries, _ = count_queries(start)
        widen_queries, _ = count_queries(widen)
        suspend()
        start_rows, _ = rows_written(start)
        widen_rows, _ = rows_written(widen)
        rollout.refresh_from_db()
        check = time_calls(lambda: transitions.advance_blockers(rollout, transitions.phase_in_force(rollout)),
                           repeat=5)
        suspend()
        self.rows.append({"devices": devices, "baseline_ms": base.median, "start_ms": min(start_times),
                          "widen_ms": min(widen_times), "check_ms": check.median, "start_queries": start_queries,
                          "widen_queries": widen_queries, "start_rows": start_rows, "widen_rows": widen_rows})

    def finish(self, section):
        from bench.runner import plot

        table = Table("", ["devices", "one-row update (ms)", "start (ms)", "widen 1 % → 50 % (ms)",
                           "phase check (ms)", "queries start / widen", "rows written: start", "rows written: widen",
                           "bar", ""])
        verdicts = []
        for row in self.rows:
            rows_start, rows_widen = sum(row["start_rows"].values()), sum(row["widen_rows"].values())
            passed = (max(row["start_ms"], row["widen_ms"]) < BAR_MS and max(rows_start, rows_widen) <= MAX_ROWS)
            verdicts.append(passed)
            table.add(number(row["devices"]), number(row["baseline_ms"], 2), number(row["start_ms"], 1),
                      number(row["widen_ms"], 1), number(row["check_ms"], 1),
                      f"{row['start_queries']} / {row['widen_queries']}", _rows_text(row["start_rows"]),
                      _rows_text(row["widen_rows"]), f"< {BAR_MS} ms, ≤ {MAX_ROWS} rows", 
                      "**pass**" if passed else "**miss**")
        section.tables.append(table)
        slowest = max(max(row["start_ms"], row["widen_ms"]) for row in self.rows)
        section.verdicts.append(Verdict(f"start and widen < {BAR_MS} ms at every size", slowest < BAR_MS,
                                        f"slowest {number(slowest, 1)} ms"))
        written = {sum(row["start_rows"].values()) + sum(row["widen_rows"].values()) for row in self.rows}
        section.verdicts.append(Verdict("no per-device writes (rows written flat in fleet size)",
                                        len(written) == 1 and max(written) <= 2 * MAX_ROWS,
                                        f"{', '.join(str(n) for n in sorted(written))} rows per start + widen"))
        first, last = self.rows[0], self.rows[-1]
        growth = (last["start_ms"] + last["widen_ms"]) / (first["start_ms"] + first["widen_ms"])
        section.notes.append(f"Start + widen at {number(last['devices'])} devices took {ratio_text(growth)} the time "
                             f"at {number(first['devices'])}.")
        section.plots.append(plot(self.ctx, "rollout", "Rollout start and widening by fleet size", {
            "start": [(row["devices"], row["start_ms"]) for row in self.rows],
            "widen 1 % → 50 %": [(row["devices"], row["widen_ms"]) for row in self.rows],
            "phase check": [(row["devices"], row["check_ms"]) for row in self.rows],
            "one-row update (baseline)": [(row["devices"], row["baseline_ms"]) for row in self.rows],
        }, ylabel="milliseconds", hline=(BAR_MS, f"bar: {BAR_MS} ms")))


def _rows_text(rows: dict) -> str:
    total = sum(rows.values())
    detail = ", ".join(f"{table.split('_', 1)[-1]} {count}" for table, count in sorted(rows.items()))
    return f"{total} ({detail})" if detail else "0"
