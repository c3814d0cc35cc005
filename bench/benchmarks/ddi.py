"""2b. hawkBit DDI root poll: requests per second of the poll SWUpdate and RAUC agents make, against ping.

The simulated fleets' devices poll ``GET /DEFAULT/controller/v1/{uid}`` with their
TargetToken, in both catalogues of the check-in benchmark (1,000 releases with 100
rolling out; 10 releases, all rolling out). Sampled devices are first polled once
in-process, which sorts them into idle ones (no deploymentBase link) and ones with
an update pending (the first poll made the offer), and gives each its ETag for the
If-None-Match runs.
"""

import math
import random
from urllib.parse import urlsplit

from bench.benchmarks.base import Benchmark, url_exists
from bench.benchmarks.checkin import PING, _span
from bench.load import run as load, write_requests
from bench.measure import count_queries
from bench.report import Table, Verdict, number, ratio, ratio_text

POLL_SECONDS = 300
FLEET = 1_000_000
# Polled in-process once each to sort them and learn their ETags: keep it a few seconds.
SAMPLED = 2000
CASES = [("idle", False), ("idle", True), ("pending", False), ("pending", True)]


def poll_path(uid: str) -> str:
    return f"/DEFAULT/controller/v1/{uid}"


def sorted_sample(spec, seed: int, host: str, count: int) -> dict:
    """{"idle": [(token, uid, etag)], "pending": [...]} for devices drawn evenly from the fleet.

    ``host`` is the served one: the poll's links, and so its ETag, name the host asked.
    """
    from django.test import Client

    from rollouts import simulation

    client = Client(HTTP_HOST=host)
    chooser = random.Random(seed)
    groups = {"idle": [], "pending": []}
    for index in chooser.sample(range(spec.devices), min(count, spec.devices)):
        token, uid = simulation.device_token(spec.name, index), simulation.device_uid(spec.name, index)
        response = client.get(poll_path(uid), HTTP_AUTHORIZATION=f"TargetToken {token}")
        if response.status_code != 200:
            raise RuntimeError(f"DDI poll of {uid} answered {response.status_code}: {response.content[:300]!r}")
        pending = "deploymentBase" in response.json().get("_links", {})
        groups["pending" if pending else "idle"].append((token, uid, response["ETag"]))
    return groups


def request_lines(devices, if_none_match: bool) -> list[tuple]:
    lines = []
    for token, uid, etag in devices:
        headers = f"Authorization: TargetToken {token}" + (f"|If-None-Match: {etag}" if if_none_match else "")
        lines.append(("", "", poll_path(uid), headers))
    return lines


def queries_per_poll(devices, if_none_match: bool, host: str) -> tuple[int, int]:
    """Fewest and most queries of one poll in steady state (last-seen fresh, offer made)."""
    from django.test import Client

    client = Client(HTTP_HOST=host)
    counts = []
    for token, uid, etag in devices[:20]:
        headers = {"HTTP_AUTHORIZATION": f"TargetToken {token}"}
        if if_none_match:
            headers["HTTP_IF_NONE_MATCH"] = etag
        client.get(poll_path(uid), **headers)  # steady state: whatever a poll after a pause writes is written
        counted, response = count_queries(lambda: client.get(poll_path(uid), **headers))
        if response.status_code not in (200, 304):
            raise RuntimeError(f"DDI poll of {uid} answered {response.status_code}")
        counts.append(counted)
    return (min(counts), max(counts)) if counts else (0, 0)


class DdiPoll(Benchmark):
    name = "ddi"
    title = "2b. hawkBit DDI root poll"
    sized = True
    intro = ("`GET /{tenant}/controller/v1/{controllerId}` under load from wrk (32 connections, each request a "
             "different simulated device with its `TargetToken`), against `GET /api/v1/device/ping` in the same "
             "gunicorn for the same devices, in the check-in benchmark's two catalogues (1,000 releases with 100 "
             "rolling out; 10 releases, all rolling out, for a fleet of 1,000). Devices are sorted by a first poll into idle ones and ones with an "
             "update pending (a `deploymentBase` link); each group is measured without and with `If-None-Match` "
             "(the ETag of its first poll: 304 while nothing changed). Query counts are of one poll in steady "
             "state, measured in-process.")

    def find_missing(self):
        return "" if url_exists(poll_path("device")) else "the DDI API is not on main yet"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows = []

    def at_size(self, ctx, devices):
        from rollouts import simulation

        url, seconds = ctx.gunicorn.url, ctx.config.load_seconds
        host = urlsplit(url).netloc
        catalogues = [(simulation.FleetSpec(devices=devices, releases=ctx.config.releases_many, name="sim"), SAMPLED),
                      (simulation.FleetSpec(devices=1000, releases=ctx.config.releases_few, name="few"), SAMPLED // 4)]
        for spec, count in catalogues:
            groups = sorted_sample(spec, seed=devices, host=host, count=count)
            folder = ctx.out / "requests"
            everyone = groups["idle"] + groups["pending"]
            ping_file = write_requests(folder / f"ddi-ping-{spec.name}.txt", [(token, "") for token, _, _ in everyone])
            load(url + PING, ping_file, seconds=1)  # warm up
            ping = load(url + PING, ping_file, seconds=seconds, connections=ctx.config.connections)
            for group, if_none_match in CASES:
                if not groups[group]:
                    continue
                name = f"ddi-{spec.name}-{group}{'-inm' if if_none_match else ''}.txt"
                requests_file = write_requests(folder / name, request_lines(groups[group], if_none_match))
                load(url + "/", requests_file, seconds=1)
                result = load(url + "/", requests_file, seconds=seconds, connections=ctx.config.connections)
                self.rows.append({
                    "devices": devices, "fleet": spec.name, "releases": spec.releases, "group": group,
                    "if_none_match": if_none_match, "sampled": len(groups[group]), "ping": ping.as_dict(),
                    "poll": result.as_dict(), "queries": queries_per_poll(groups[group], if_none_match, host),
                })

    def finish(self, section):
        table = Table("", ["devices", "releases", "polling devices", "If-None-Match", "ping req/s", "DDI poll req/s",
                           "ratio", "bar", "p50 / p99 poll (ms)", "queries per poll", "200 / 304", "errors", ""])
        passes = []
        for row in self.rows:
            ping, poll = row["ping"], row["poll"]
            value = ratio(poll["rps"], ping["rps"])
            statuses = poll["statuses"]
            errors = poll["errors"] + sum(count for status, count in statuses.items() if status not in ("200", "304"))
            passed = value is not None and value >= 0.7 and not errors
            passes.append(passed)
            table.add(number(row["devices"]), number(row["releases"]), f"{row['group']} ({number(row['sampled'])})",
                      "yes" if row["if_none_match"] else "no", number(ping["rps"]), number(poll["rps"]),
                      ratio_text(value), "≥ 0.70×", f"{poll['p50_ms']:.1f} / {poll['p99_ms']:.1f}",
                      _span(row["queries"]), f"{statuses.get('200', 0):,} / {statuses.get('304', 0):,}", errors,
                      "**pass**" if passed else "**miss**")
        section.tables.append(table)
        ratios = [ratio(row["poll"]["rps"], row["ping"]["rps"]) or 0 for row in self.rows]
        section.verdicts.append(Verdict("DDI poll ≥ 0.7 × ping, every fleet size and case", all(passes),
                                        f"{min(ratios):.2f}× to {max(ratios):.2f}×" if ratios else ""))
        by_case = {}
        for row in self.rows:
            by_case.setdefault((row["releases"], row["group"], row["if_none_match"]), set()).add(row["queries"][1])
        section.verdicts.append(Verdict(
            "same queries whatever the fleet size", all(len(counts) == 1 for counts in by_case.values()),
            "; ".join(f"{group}{' + If-None-Match' if inm else ''} ({releases} releases): "
                      f"{', '.join(map(str, sorted(counts)))}"
                      for (releases, group, inm), counts in sorted(by_case.items()))))
        if self.rows:
            largest = max(row["devices"] for row in self.rows)
            slowest = min((row for row in self.rows if row["devices"] == largest), key=lambda row: row["poll"]["rps"])
            rps = slowest["poll"]["rps"]
            section.notes.append(
                f"A million DDI agents polling every {POLL_SECONDS // 60} minutes make {FLEET / POLL_SECONDS:,.0f} "
                f"polls a second: at the slowest case's {rps:,.0f} polls a second on this "
                f"{self.ctx.gunicorn.describe()} machine, **{math.ceil(FLEET / POLL_SECONDS / rps) if rps else '?'} "
                f"such machines** of web workers, before headroom.")
