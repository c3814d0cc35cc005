"""2. Check-in: requests per second and latency of the decision, against the ping baseline, by fleet size."""

import json
import math
import random

from bench.benchmarks.base import Benchmark, url_exists
from bench.load import run as load, wrk_path, write_requests
from bench.measure import count_queries
from bench.report import Table, Verdict, number, ratio, ratio_text

CHECK_IN = "/api/v1/device/check-in"
PING = "/api/v1/device/ping"
POLL_SECONDS = 300
FLEET = 1_000_000


def sample_requests(spec, count: int, seed: int) -> list[tuple[str, str]]:
    """(token, check-in body) of ``count`` devices drawn evenly from the whole fleet."""
    from rollouts import simulation

    chooser = random.Random(seed)
    indices = chooser.sample(range(spec.devices), min(count, spec.devices))
    return [(simulation.device_token(spec.name, index),
             json.dumps(simulation.check_in_report(simulation.device_profile(spec, index)), separators=(",", ":")))
            for index in indices]


def first_check_ins(requests: list[tuple[str, str]]) -> float:
    """Check every sampled device in once, in-process, so that the load measures repeat polls; ms per request.

    A device's first check-in after a rollout reaches it writes its update row (the offer); later polls
    find it. A fleet polling every five minutes is almost always in the second case.
    """
    import time

    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    started = time.perf_counter()
    for token, body in requests:
        response = client.post(CHECK_IN, body, content_type="application/json", HTTP_X_ACCESS_TOKEN=token)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"check-in answered {response.status_code}: {response.content[:300]!r}")
    return (time.perf_counter() - started) * 1000 / len(requests)


def queries_per_request(path: str, requests: list[tuple[str, str]], method: str) -> tuple[int, int]:
    """Fewest and most queries of one request, in this process, once last-seen is fresh (steady state)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    counts = []
    for token, body in requests:
        def call():
            if method == "POST":
                return client.post(path, body, content_type="application/json", HTTP_X_ACCESS_TOKEN=token)
            return client.get(path, HTTP_X_ACCESS_TOKEN=token)

        call()
        counted, response = count_queries(call)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status_code}: {response.content[:300]!r}")
        counts.append(counted)
    return min(counts), max(counts)


class CheckIn(Benchmark):
    name = "checkin"
    title = "2. Check-in"
    sized = True
    intro = ("`POST /api/v1/device/check-in` under load from wrk (a separate process, 32 connections, each "
             "request a different simulated device posting what it runs), against `GET /api/v1/device/ping` in "
             "the same gunicorn, which only authenticates the device token and answers a constant body. "
             "Devices are drawn evenly from the whole fleet. Two catalogues: the main fleet's products carry "
             "1,000 releases with 100 running rollouts (general and targeted, in phases); a second fleet's "
             "products carry 10 releases, all rolling out. Each sampled device checks in once in-process "
             "before the load (its first check-in may write the offer), so the load measures repeat polls, "
             "as a fleet polling every five minutes mostly makes. Query counts are of one request in steady state "
             "(last-seen fresh), measured in-process.")

    def find_missing(self):
        return "" if url_exists(CHECK_IN) else f"`POST {CHECK_IN}` is not on main yet"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows = []

    def at_size(self, ctx, devices):
        from rollouts import simulation

        catalogues = [simulation.FleetSpec(devices=devices, releases=ctx.config.releases_many, name="sim"),
                      simulation.FleetSpec(devices=1000, releases=ctx.config.releases_few, name="few")]
        for spec in catalogues:
            requests = sample_requests(spec, ctx.config.sampled_devices, seed=devices)
            folder = ctx.out / "requests"
            check_in_file = write_requests(folder / f"checkin-{spec.name}.txt", requests)
            ping_file = write_requests(folder / f"ping-{spec.name}.txt", [(token, "") for token, _ in requests])
            first_ms = first_check_ins(requests)
            ping_queries = queries_per_request(PING, requests[:20], "GET")
            check_in_queries = queries_per_request(CHECK_IN, requests[:20], "POST")
            url = ctx.gunicorn.url
            seconds = ctx.config.load_seconds
            load(url + PING, ping_file, seconds=1)  # warm up: connections, caches, policy snapshots
            load(url + CHECK_IN, check_in_file, method="POST", seconds=1)
            pings, check_ins = [], []
            for _ in range(1 if ctx.config.quick else 2):  # interleaved, so that both see the same machine
                pings.append(load(url + PING, ping_file, seconds=seconds, connections=ctx.config.connections))
                check_ins.append(load(url + CHECK_IN, check_in_file, method="POST", seconds=seconds,
                                      connections=ctx.config.connections))
            ping = max(pings, key=lambda result: result.rps)
            check_in = max(check_ins, key=lambda result: result.rps)
            self.rows.append({
                "devices": devices, "fleet": spec.name,
                "releases": spec.releases, "rollouts": min(spec.releases, ctx.config.rollouts),
                "ping": ping.as_dict(), "check_in": check_in.as_dict(),
                "ping_queries": ping_queries, "check_in_queries": check_in_queries, "first_ms": first_ms,
            })

    def finish(self, section):
        from bench.runner import plot

        table = Table("", ["devices", "releases (running rollouts)", "ping req/s", "check-in req/s", "ratio",
                           "bar", "p50 / p99 ping (ms)", "p50 / p99 check-in (ms)", "queries ping / check-in",
                           "offered (200) / nothing (204)", "errors", "first check-in, in-process (ms)", ""])
        passes = []
        for row in self.rows:
            ping, check_in = row["ping"], row["check_in"]
            value = ratio(check_in["rps"], ping["rps"])
            passed = value is not None and value >= 0.7 and not check_in["errors"]
            passes.append(passed)
            statuses = check_in["statuses"]
            queries = f"{_span(row['ping_queries'])} / {_span(row['check_in_queries'])}"
            table.add(number(row["devices"]), f"{number(row['releases'])} ({row['rollouts']})", number(ping["rps"]),
                      number(check_in["rps"]), ratio_text(value), "≥ 0.70×",
                      f"{ping['p50_ms']:.1f} / {ping['p99_ms']:.1f}", f"{check_in['p50_ms']:.1f} / {check_in['p99_ms']:.1f}",
                      queries, f"{statuses.get('200', 0):,} / {statuses.get('204', 0):,}",
                      check_in["errors"] + sum(v for k, v in statuses.items() if k not in ("200", "204")),
                      number(row.get("first_ms"), 1), "**pass**" if passed else "**miss**")
        section.tables.append(table)
        ratios = [ratio(row["check_in"]["rps"], row["ping"]["rps"]) for row in self.rows]
        section.verdicts.append(Verdict("check-in ≥ 0.7 × ping, every fleet size and catalogue", all(passes),
                                        f"{min(ratios):.2f}× to {max(ratios):.2f}×"))
        query_counts = {row["check_in_queries"] for row in self.rows}
        section.verdicts.append(Verdict(
            "same queries whatever the fleet and catalogue", len({q[1] for q in query_counts}) == 1,
            "at most " + ", ".join(sorted({str(q[1]) for q in query_counts})) + " queries per check-in"))
        spread = max(ratios) - min(ratios)
        section.verdicts.append(Verdict("same figure (within noise) at every size", spread <= 0.15,
                                        f"ratio spread {spread:.2f} (noise allowance 0.15)"))
        largest = max(self.rows, key=lambda row: row["devices"])
        rps = largest["check_in"]["rps"]
        needed = FLEET / POLL_SECONDS
        section.notes.append(
            f"A million devices polling every {POLL_SECONDS // 60} minutes make {needed:,.0f} check-ins a second. "
            f"At {rps:,.0f} check-ins a second on this {self.ctx.gunicorn.describe()} machine (which also runs "
            f"PostgreSQL, Redis and the load generator), that is **{math.ceil(needed / rps)} such machines** "
            f"of web workers, before headroom; the database sees "
            f"{_span(largest['check_in_queries'])} indexed queries per check-in.")
        section.notes.append(f"Load generator: {'wrk' if wrk_path() else 'aiohttp (wrk was not available)'}; "
                             f"server: {self.ctx.gunicorn.describe()}, persistent database connections.")
        series = {}
        for fleet_name, releases in {(row["fleet"], row["releases"]) for row in self.rows}:
            rows = [row for row in self.rows if row["fleet"] == fleet_name]
            series[f"check-in, {releases} releases"] = [(row["devices"], row["check_in"]["rps"]) for row in rows]
            series[f"ping baseline ({releases} releases run)"] = [(row["devices"], row["ping"]["rps"]) for row in rows]
        section.plots.append(plot(self.ctx, "checkin", "Check-in throughput by fleet size", series,
                                  ylabel="requests per second"))
        ratios_by_catalogue = {
            f"check-in / ping, {releases} releases": [(row["devices"], ratio(row["check_in"]["rps"], row["ping"]["rps"]))
                                                      for row in self.rows if row["releases"] == releases]
            for releases in sorted({row["releases"] for row in self.rows})}
        section.plots.append(plot(self.ctx, "checkin-ratio", "Check-in against the ping baseline, same run",
                                  ratios_by_catalogue, ylabel="ratio of requests per second", hline=(0.7, "bar: 0.7")))


def _span(pair) -> str:
    low, high = pair
    return str(high) if low == high else f"{low}–{high}"

