"""2c. The device edge against its peer and its floor: goosebit's DDI poll and a bare WSGI app, same run.

Four portal figures (idle DDI root poll, idle check-in, ping, offer-making check-in),
goosebit's idle DDI poll and the bare WSGI floor are loaded with the same wrk settings
(``-t1 -c32``, ``Connection: close``) in rounds that alternate the six, each round in a
rotated order, so that whatever the machine's load does to one it does to all.
"""

import json
import random
from urllib.parse import urlsplit

from bench import bars
from bench.benchmarks.base import Benchmark, url_exists
from bench.benchmarks.checkin import CHECK_IN, PING
from bench.benchmarks.ddi import poll_path
from bench.load import run as load, write_requests
from bench.report import Table, number, ratio_text

CLOSE = "Connection: close"
# A device on an old version may be offered several releases in turn before it runs the newest it may get.
MOST_OFFERS = 8
# What a target answers when it works as measured; anything else counts against its figure.
EXPECTED = {"ping": {"200"}, "checkin_idle": {"204"}, "checkin_offer": {"200"}, "ddi_idle": {"200"},
            "goosebit": {"200"}, "floor": {"200"}}


def sort_devices(spec, count: int, seed: int, host: str) -> dict:
    """Sampled devices of the fleet, sorted by what their repeat requests will do.

    Each device checks in once, in-process. One that is offered nothing is idle. Of those offered an
    update, every other one keeps its report (each later check-in answers the same offer: offer-making);
    the others install what they are offered, reporting each offered version until nothing more is
    offered (idle). Idle devices then poll the DDI root; those it offers nothing are the idle pollers.
    Each device's request is repeated once more before the load, as a device polling every few minutes
    repeats it between changes: the load measures the steady state (the answer remembered in the
    device's session, docs/device-edge.md), not each device's first request after a change.
    """
    from django.test import Client

    from rollouts import simulation

    client = Client(HTTP_HOST=host)

    def check_in(token: str, report: dict):
        # The very bytes wrk sends later: an agent sends the same report the same way each time.
        body = json.dumps(report, separators=(",", ":"))
        response = client.post(CHECK_IN, body, content_type="application/json", HTTP_X_ACCESS_TOKEN=token)
        if response.status_code not in (200, 204):
            raise RuntimeError(f"check-in answered {response.status_code}: {response.content[:300]!r}")
        return response.json() if response.status_code == 200 else None

    groups = {"all": [], "checkin_idle": [], "checkin_offer": [], "ddi_idle": []}
    chooser = random.Random(seed)
    for position, index in enumerate(chooser.sample(range(spec.devices), min(count, spec.devices))):
        token, uid = simulation.device_token(spec.name, index), simulation.device_uid(spec.name, index)
        report = simulation.check_in_report(simulation.device_profile(spec, index))
        groups["all"].append(token)
        offer = check_in(token, report)
        if offer is not None and position % 2 == 0:
            check_in(token, report)  # settled: the offer is made, the repeat's answer remembered
            groups["checkin_offer"].append((token, json.dumps(report, separators=(",", ":"))))
            continue
        for _ in range(MOST_OFFERS):
            if offer is None:
                break
            report = {**report, "modules": {**report["modules"], offer["module"]: offer["version"]}}
            offer = check_in(token, report)
        if offer is not None:
            continue  # still offered something after MOST_OFFERS installs: neither idle nor kept
        check_in(token, report)  # settled: the last report is written, the repeat's answer remembered
        groups["checkin_idle"].append((token, json.dumps(report, separators=(",", ":"))))
        client.get(poll_path(uid), HTTP_AUTHORIZATION=f"TargetToken {token}")  # settled, as above
        response = client.get(poll_path(uid), HTTP_AUTHORIZATION=f"TargetToken {token}")
        if response.status_code != 200:
            raise RuntimeError(f"DDI poll of {uid} answered {response.status_code}: "
                               f"{response.content[:300]!r}")
        if "deploymentBase" not in response.json().get("_links", {}):
            groups["ddi_idle"].append((token, uid))
    return groups


class Peers(Benchmark):
    name = "peers"
    title = "2c. Against goosebit and the bare WSGI floor"
    sized = True
    intro = ("The portal's device requests against **goosebit** (the FastAPI + SQLite hawkBit DDI server "
             "on PyPI, its idle DDI root poll) and against a **bare WSGI app** under the portal's own "
             "gunicorn settings (the server's floor), measured in the same run with the same wrk settings: "
             "`wrk -t1 -c32`, `Connection: close` on every request, every request a different device, rounds "
             "alternating the six targets in a rotated order. Portal devices are drawn evenly from the whole "
             "fleet and sorted by a first check-in (bench/benchmarks/peers.py): idle ones are offered "
             "nothing (204; their DDI root poll has no `deploymentBase` link), offer-making ones are "
             "answered their pending offer on every check-in (200). goosebit's devices are registered "
             "(first poll, then configData) before the load. Ratios are medians of per-round ratios.")

    def find_missing(self):
        if not url_exists(CHECK_IN):
            return f"`POST {CHECK_IN}` is not on main yet"
        return "" if url_exists(poll_path("device")) else "the DDI API is not on main yet"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows = []
        self.floor = None
        self.goosebit = None
        self.goosebit_problem = ""
        self.goosebit_file = None

    def run(self, ctx):
        from bench import peer
        from bench.runner import gunicorn_options
        from bench.services import Gunicorn

        print("bench: peers: starting the bare WSGI floor and goosebit", flush=True)
        self.floor = Gunicorn(**gunicorn_options(), app="bench.floor:application", ready_path="/")
        self.floor.start(ctx.env)
        try:
            self.goosebit = peer.Goosebit(peer.install()).start()
            uids = peer.device_uids(ctx.config.goosebit_devices)
            self.goosebit.register(uids)
            self.goosebit_file = write_requests(ctx.out / "requests" / "goosebit.txt",
                                                [("", "", peer.poll_path(uid), CLOSE) for uid in uids])
        except (peer.GoosebitUnavailable, OSError) as problem:
            self.goosebit_problem = str(problem)
            print(f"bench: goosebit is not measured: {problem}", flush=True)
            if self.goosebit is not None:
                self.goosebit.stop()
                self.goosebit = None

    def targets(self, ctx, groups: dict) -> dict:
        """name -> (url, requests file, method) of every target this size measures (not an empty group)."""
        folder = ctx.out / "requests"
        url = ctx.gunicorn.url
        # The floor answers the ping's requests: the same devices' tokens, the same request size.
        ping_file = write_requests(folder / "peers-ping.txt",
                                   [(token, "", "", CLOSE) for token in groups["all"]])
        targets = {"floor": (self.floor.url + PING, ping_file, "GET")}
        if self.goosebit is not None:
            targets["goosebit"] = (self.goosebit.url + "/", self.goosebit_file, "GET")
        if groups["all"]:
            targets["ping"] = (url + PING, ping_file, "GET")
        for name in ("checkin_idle", "checkin_offer"):
            if groups[name]:
                lines = [(token, body, "", CLOSE) for token, body in groups[name]]
                targets[name] = (url + CHECK_IN, write_requests(folder / f"peers-{name}.txt", lines), "POST")
        if groups["ddi_idle"]:
            lines = [("", "", poll_path(uid), f"Authorization: TargetToken {token}|{CLOSE}")
                     for token, uid in groups["ddi_idle"]]
            targets["ddi_idle"] = (url + "/", write_requests(folder / "peers-ddi_idle.txt", lines), "GET")
        return targets

    def at_size(self, ctx, devices):
        from rollouts import simulation

        spec = simulation.FleetSpec(devices=devices, releases=ctx.config.releases_many, name="sim")
        # Not the seed of the check-in and DDI benchmarks: their samples stay as they found them.
        groups = sort_devices(spec, ctx.config.peer_devices, seed=devices + 11,
                              host=urlsplit(ctx.gunicorn.url).netloc)
        targets = self.targets(ctx, groups)
        for url, requests_file, method in targets.values():
            load(url, requests_file, method=method, seconds=1, threads=1)  # warm up: connections, caches
        names = list(targets)
        rounds, unexpected = [], {}
        for round_number in range(ctx.config.peer_rounds):
            measured = {}
            for name in names[round_number % len(names):] + names[:round_number % len(names)]:
                url, requests_file, method = targets[name]
                result = load(url, requests_file, method=method, seconds=ctx.config.peer_seconds,
                              connections=ctx.config.connections, threads=1)
                measured[name] = result.rps
                wrong = result.errors + sum(count for status, count in result.statuses.items()
                                            if status not in EXPECTED[name])
                if wrong:
                    unexpected[name] = unexpected.get(name, 0) + wrong
            rounds.append(measured)
        self.rows.append({"devices": devices, "rounds": rounds, "unexpected": unexpected,
                          "sampled": {name: len(members) for name, members in groups.items()}})
        print(f"bench: peers at {devices:,}: " + ", ".join(
            f"{bars.LABELS[name]} {number(bars.median_rate(rounds, name))}/s" for name in names), flush=True)

    def close(self):
        if self.floor is not None:
            self.floor.stop()
        if self.goosebit is not None:
            self.goosebit.stop()

    def finish(self, section):
        from bench.peer import VERSION

        config = self.ctx.config
        rounds_by_size = {row["devices"]: row["rounds"] for row in self.rows}
        section.tables += [_rates_table(self.rows), _ratios_table(self.rows)]
        for bar in bars.BARS:
            targets = (bar.figure, bar.baseline)
            failures = {row["devices"]: _unexpected_text(row, targets) for row in self.rows}
            section.verdicts.append(bars.bar_verdict(bar, rounds_by_size, failures))
        section.verdicts += [bars.scale_verdict(figure, rounds_by_size) for figure in bars.PORTAL_FIGURES]
        if self.rows:
            largest = max(self.rows, key=lambda row: row["devices"])
            section.notes += [_machines_note(largest, figure) for figure in ("checkin_idle", "ddi_idle")]
        section.notes.append(
            f"Portal and floor: {self.ctx.gunicorn.describe()}; peer: goosebit {VERSION}, "
            f"`uvicorn goosebit:app --workers 2`, its {config.goosebit_devices:,} devices registered before "
            f"the load; {config.peer_rounds} rounds of {config.peer_seconds:g} s per target and fleet size.")
        if self.goosebit_problem:
            section.notes.append(f"**goosebit was not measured**: {self.goosebit_problem}")


def _rates_table(rows: list[dict]) -> Table:
    names = (*bars.BASELINES, *bars.PORTAL_FIGURES)
    table = Table("Requests per second (median of the rounds; lowest–highest)",
                  ["devices", "sampled: idle check-in / offer-making / idle DDI",
                   *(bars.LABELS[name] for name in names), "unexpected answers"])
    for row in rows:
        sampled = {name: number(count) for name, count in row["sampled"].items()}
        table.add(number(row["devices"]),
                  f"{sampled['checkin_idle']} / {sampled['checkin_offer']} / {sampled['ddi_idle']} "
                  f"of {sampled['all']}",
                  *(_rate_cell(row["rounds"], name) for name in names),
                  _unexpected_text(row, names) or "none")
    return table


def _ratios_table(rows: list[dict]) -> Table:
    table = Table("Each portal figure as a ratio to goosebit's DDI poll and to the floor "
                  "(median of per-round ratios)",
                  ["devices", *(f"{bars.LABELS[name]} ÷ goosebit / ÷ floor" for name in bars.PORTAL_FIGURES)])
    for row in rows:
        table.add(number(row["devices"]), *(
            f"{ratio_text(bars.median_ratio(row['rounds'], name, 'goosebit'))} / "
            f"{ratio_text(bars.median_ratio(row['rounds'], name, 'floor'))}" for name in bars.PORTAL_FIGURES))
    return table


def _unexpected_text(row: dict, names) -> str:
    """Requests of these targets answered otherwise than EXPECTED (or not at all), or blank."""
    return ", ".join(f"{bars.LABELS[name]}: {row['unexpected'][name]:,} unexpected"
                     for name in names if name in row["unexpected"])


def _machines_note(row: dict, figure: str) -> str:
    rate = bars.median_rate(row["rounds"], figure)
    machines = bars.machines_needed(rate) or "–"
    return (f"Machines of this size needed for {bars.FLEET:,} devices polling every "
            f"{bars.POLL_SECONDS // 60} minutes ({bars.FLEET / bars.POLL_SECONDS:,.0f} requests a second) "
            f"with the {bars.LABELS[figure]} at {number(rate)} req/s ({number(row['devices'])} devices): "
            f"**{machines}**, before headroom; this machine also runs PostgreSQL, Redis and the load "
            f"generator.")


def _rate_cell(rounds: list[dict], name: str) -> str:
    values = [measured[name] for measured in rounds if measured.get(name)]
    if not values:
        return "–"
    return f"{number(bars.median_rate(rounds, name))} ({number(min(values))}–{number(max(values))})"
