"""6. Explain ("why does device X get version Y") and filter preview counts, by fleet size."""

import importlib.util

from bench.benchmarks.base import Benchmark
from bench.measure import count_queries, time_calls
from bench.report import Table, Verdict, number, ratio, ratio_text

BAR_MS = 200
# The issue sets no time for previews; a second is what a person waits for a count without noticing.
PREVIEW_BAR_MS = 1000


class Explain(Benchmark):
    name = "explain"
    title = "6. Explain and filter preview"
    sized = True
    intro = ("`rollouts.decision.explain(device, release)` for a device of the main fleet and the newest "
             "running release of its product, and `rollouts.services.filters.preview(conditions)` for each "
             "of the simulated fleet's filter shapes (attribute equality and lists, tags, installed and agent "
             "version comparisons, uid prefixes), in-process against the run's database (median of 5 after a "
             "warm-up). Baseline: fetching one device by uid with its product.")

    def find_missing(self):
        for module in ("rollouts.decision", "rollouts.services.filters"):
            if importlib.util.find_spec(module) is None:
                return f"{module} is not on main yet"
        return ""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.explains, self.previews = [], []

    def at_size(self, ctx, devices):
        from devices.models import Device
        from rollouts import decision, simulation
        from rollouts.models import DeviceFilter, Rollout, Strategy
        from rollouts.services import filters

        uid = simulation.device_uid("sim", devices // 2)
        device = Device.objects.select_related("product").get(uid=uid)
        rollout = (Rollout.objects.filter(release__product=device.product).exclude(strategy=Strategy.SUSPENDED)
                   .select_related("release").order_by("-release__version_key").first())
        baseline = time_calls(lambda: Device.objects.select_related("product").get(uid=uid), repeat=5)
        explain = time_calls(lambda: decision.explain(device, rollout.release), repeat=5)
        queries, _ = count_queries(lambda: decision.explain(device, rollout.release))
        self.explains.append({"devices": devices, "ms": explain.median, "baseline_ms": baseline.median,
                              "queries": queries})
        shapes = {}
        for device_filter in DeviceFilter.objects.filter(name__startswith="sim-filter-").order_by("name"):
            shape = " and ".join(f"{c['field']} {c['op']}" for c in device_filter.conditions)
            shapes.setdefault(shape, device_filter.conditions)
        for shape, conditions in shapes.items():
            timing = time_calls(lambda: filters.preview(conditions), repeat=5)
            answer = filters.preview(conditions)
            self.previews.append({"devices": devices, "shape": shape, "ms": timing.median, "count": answer.count,
                                  "exact": answer.exact, "baseline_ms": baseline.median})

    def finish(self, section):
        from bench.runner import plot

        table = Table("Explain", ["devices", "explain (ms)", "one device by uid (ms)", "vs baseline", "queries",
                                  "bar", ""])
        for row in self.explains:
            table.add(number(row["devices"]), number(row["ms"], 1), number(row["baseline_ms"], 2),
                      ratio_text(ratio(row["ms"], row["baseline_ms"])), row["queries"], f"< {BAR_MS} ms",
                      "**pass**" if row["ms"] < BAR_MS else "**miss**")
        section.tables.append(table)
        previews = Table("Filter preview", ["devices", "filter", "time (ms)", "devices matching", "how counted"])
        for row in self.previews:
            previews.add(number(row["devices"]), f"`{row['shape']}`", number(row["ms"], 1), number(row["count"]),
                         "exact count" if row["exact"] else "planner estimate")
        section.tables.append(previews)
        slowest = max(row["ms"] for row in self.explains)
        section.verdicts.append(Verdict(f"explain < {BAR_MS} ms at every size", slowest < BAR_MS,
                                        f"slowest {number(slowest, 1)} ms"))
        largest = max(row["devices"] for row in self.previews) if self.previews else 0
        at_largest = [row for row in self.previews if row["devices"] == largest]
        if at_largest:
            worst = max(at_largest, key=lambda row: row["ms"])
            estimated = sum(not row["exact"] for row in at_largest)
            section.verdicts.append(Verdict(
                f"preview answers within {PREVIEW_BAR_MS} ms (index or estimate, and says which)",
                worst["ms"] < PREVIEW_BAR_MS,
                f"slowest {number(worst['ms'])} ms at {number(largest)} devices; {estimated} of {len(at_largest)} "
                f"shapes answered by estimate"))
        section.plots.append(plot(self.ctx, "explain", "Explain and filter preview by fleet size", {
            "explain": [(row["devices"], row["ms"]) for row in self.explains],
            "slowest filter preview": [(d, max(r["ms"] for r in self.previews if r["devices"] == d))
                                       for d in sorted({r["devices"] for r in self.previews})],
            "one device by uid (baseline)": [(row["devices"], row["baseline_ms"]) for row in self.explains],
        }, ylabel="milliseconds", hline=(BAR_MS, f"explain bar: {BAR_MS} ms")))
