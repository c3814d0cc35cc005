"""One benchmark run: start the services, grow the fleet size by size, measure, write the report."""

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import peer, services
from bench.report import ROOT, Section, Store, Table, kept_sections, machine, number, plot_curve, render, size_label

MIB = 1024 * 1024


@dataclass(frozen=True)
class Config:
    quick: bool
    fleet_sizes: tuple
    verify_bytes: int
    download_bytes: int
    load_seconds: float
    releases_many: int = 1000
    releases_few: int = 10
    rollouts: int = 100
    connections: int = 32
    sampled_devices: int = 20_000
    download_clients: int = 8
    # The peer benchmark (bench/benchmarks/peers.py): portal devices sampled per fleet size (sorted into
    # idle and offer-making ones), goosebit's registered devices, alternating rounds of each target.
    peer_devices: int = 4_000
    goosebit_devices: int = 2_000
    peer_rounds: int = 3
    peer_seconds: float = 10

    @property
    def mode(self) -> str:
        return "quick" if self.quick else "full"


QUICK = Config(quick=True, fleet_sizes=(1_000, 100_000), verify_bytes=64 * MIB, download_bytes=64 * MIB,
               load_seconds=3, sampled_devices=500, peer_devices=500, peer_rounds=2, peer_seconds=2)
FULL = Config(quick=False, fleet_sizes=(1_000, 100_000, 1_000_000), verify_bytes=1024 * MIB,
              download_bytes=256 * MIB, load_seconds=15, sampled_devices=5_000)


FLEET_TITLE = "Fleet generation (simulate_fleet)"

def gunicorn_options() -> dict:
    """As docs/operations.md runs production: sync workers, 2 × cores of them (WEB_CONCURRENCY's default on
    2 cores); OTA_BENCH_WORKERS, OTA_BENCH_WORKER_CLASS and OTA_BENCH_THREADS override them."""
    return {"workers": int(os.environ.get("OTA_BENCH_WORKERS", 2 * (os.cpu_count() or 1))),
            "worker_class": os.environ.get("OTA_BENCH_WORKER_CLASS", "sync"),
            "threads": int(os.environ.get("OTA_BENCH_THREADS", 1))}


@dataclass
class Context:
    config: Config
    env: dict
    out: Path
    images: Path
    gunicorn: services.Gunicorn | None = None
    celery: services.CeleryWorker | None = None
    fleet_times: list = field(default_factory=list)
    devices: int = 0

    def start_gunicorn(self, **env) -> services.Gunicorn:
        if self.gunicorn is not None:
            self.gunicorn.stop()
        self.gunicorn = services.Gunicorn(**gunicorn_options(), env=env).start(self.env)
        return self.gunicorn

    def ensure_fleet(self, devices: int, releases: int, *, name: str = "sim", rollouts: int | None = None):
        """Grow fleet ``name`` to ``devices`` and ``releases`` (pruning extra releases), timed."""
        from rollouts import simulation

        spec = simulation.FleetSpec(devices=devices, releases=releases, name=name, prune=True,
                               rollouts=self.config.rollouts if rollouts is None else rollouts)
        started = time.monotonic()
        report = simulation.generate(spec)
        seconds = time.monotonic() - started
        if report.devices_created or report.releases_created:
            self.fleet_times.append((name, report.devices_created, report.devices_total, report.releases_created,
                                     seconds))
            print(f"bench: fleet {name!r} +{report.devices_created} devices (now {report.devices_total}), "
                  f"+{report.releases_created} releases in {seconds:.1f} s", flush=True)
        return report


def _fresh_database(reuse: bool) -> None:
    import psycopg

    with psycopg.connect(f"{services.POSTGRES_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [services.DATABASE]).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{services.DATABASE}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{services.DATABASE}"')


def _prepare_django(env: dict) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    cache.clear()


def _fleet_section(ctx: Context) -> Section:
    section = Section(name="fleet", title=FLEET_TITLE, machine=machine(),
                      quick=ctx.config.quick,
                      intro="Time `bin/manage simulate_fleet` took to grow each fleet during the run "
                            "(COPY in batches of 10,000, derived tokens).")
    table = Table("", ["fleet", "devices added", "devices after", "releases added", "seconds", "devices/s"])
    for name, added, total, releases, seconds in ctx.fleet_times:
        table.add(name, number(added), number(total), number(releases), number(seconds, 1),
                  number(added / seconds if seconds else None))
    section.tables.append(table)
    return section


def run(config: Config, only: set[str] | None = None, *, reuse_db: bool = False) -> Path:
    from bench.benchmarks import ALL

    selected = [cls for cls in ALL if not only or cls.name in only]
    out = ROOT / "bench" / "out" / config.mode
    docs = ROOT / "docs"
    images = docs / "images" if not config.quick else out / "images"
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # A terminated run still stops the servers it started (the finally blocks below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    services.ensure_postgres_and_redis()
    _fresh_database(reuse_db)
    s3_port = services.free_port()
    env = services.bench_environment(s3_port)
    _prepare_django(env)
    store = Store(out / "results")
    with services.s3_server(s3_port):
        from bench.storage import create_bucket

        create_bucket()
        ctx = Context(config=config, env=env, out=out, images=images)
        ctx.celery = services.CeleryWorker().start(env)
        ctx.start_gunicorn()
        benchmarks = []
        try:
            benchmarks += [cls(ctx) for cls in selected]
            for benchmark in benchmarks:
                if not benchmark.missing:
                    if not benchmark.sized:
                        print(f"bench: {benchmark.name} ({time.monotonic() - started:.0f} s)", flush=True)
                    benchmark.run(ctx)
            if any(benchmark.sized and not benchmark.missing for benchmark in benchmarks):
                for devices in config.fleet_sizes:
                    ctx.devices = devices
                    print(f"bench: fleet of {size_label(devices)} devices ({time.monotonic() - started:.0f} s)",
                          flush=True)
                    ctx.ensure_fleet(devices, config.releases_many)
                    ctx.ensure_fleet(1000, config.releases_few, name="few", rollouts=config.releases_few)
                    for benchmark in benchmarks:
                        if benchmark.sized and not benchmark.missing:
                            benchmark.at_size(ctx, devices)
            for benchmark in benchmarks:
                store.save(benchmark.section())
            if ctx.fleet_times:
                store.save(_fleet_section(ctx))
        finally:
            for benchmark in benchmarks:
                benchmark.close()
            if ctx.gunicorn:
                ctx.gunicorn.stop()
            ctx.celery.stop()
    return render_report(config)


def render_report(config: Config) -> Path:
    """Write the report from the stored results of each benchmark's last run in this mode."""
    from bench.benchmarks import ALL

    out = ROOT / "bench" / "out" / config.mode
    store = Store(out / "results")
    docs = ROOT / "docs"
    target = docs / "benchmarks.md" if not config.quick else out / "benchmarks.md"
    titles = [(cls.name, cls.title) for cls in ALL] + [("fleet", FLEET_TITLE)]
    # A benchmark with no stored results (bench/out is not in git) keeps the section the page shows.
    kept = kept_sections(target.read_text(), [title for _, title in titles]) if target.exists() else {}
    sections = [section for section in (store.load(name) or kept.get(title) for name, title in titles) if section]
    header = _header(config)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(sections, header=header, images_prefix="images/"))
    return target


def _header(config: Config) -> str:
    command = "make bench-quick" if config.quick else "make bench"
    options = gunicorn_options()
    sizes = ", ".join(f"{size:,}" for size in config.fleet_sizes)
    return f"""# Benchmarks

Generated by `{command}` (`python -m bench run{' --quick' if config.quick else ''}`; code in `bench/`). Do not
edit by hand: the text comes from `bench/`, the findings at the end from `bench/findings.md`.

Every figure is compared with a baseline measured **in the same run** on the same machine, so the ratio holds
even when the machine is busy; absolute figures from a 2-core machine shared with other work are noisy.

## How a run works

- PostgreSQL and Redis are the machine's own (`bin/ensure-services` starts them if they are down); the run uses
  its own database `{services.DATABASE}` (created empty for each run) and Redis databases 12 (broker) and 13
  (cache), or two others no client is connected to. It starts moto's S3 server, a Celery worker (prefork) and gunicorn on loopback, and stops them at
  the end.
- gunicorn as docs/operations.md runs it in production: `gunicorn otaportal.wsgi:application --workers
  {options['workers']} --worker-class {options['worker_class']}` (2 × cores), `DJANGO_DEBUG=false`, persistent
  database connections (`DATABASE_CONN_MAX_AGE=600`). There nginx sits in front; here wrk and curl talk to
  gunicorn directly, and a sync worker closes the connection after each answer, as it does behind nginx.
- The fleet comes from `bin/manage simulate_fleet` (rollouts/simulation/), grown to {sizes} devices in turn;
  the sized benchmarks measure at each size. Load comes from wrk (Debian package, installed if missing) with
  `bench/requests.lua`, a separate process; downloads from parallel `curl` processes.
- `python -m bench run --only NAME` measures one benchmark again and re-renders this page with the others'
  last results (bench/out, not in git: on a checkout without them, their sections as this page shows them);
  `python -m bench list` names them; `python -m bench render` writes the page again.

### The peer and the floor (benchmark 2c)

Two more servers run beside the portal's gunicorn, so that each portal device figure is a ratio to figures of
the same run:

- **The floor**: a bare WSGI app (`bench/floor.py`, a constant 15-byte JSON body) under the portal's own
  gunicorn settings, `gunicorn bench.floor:application --workers {options['workers']} --worker-class
  {options['worker_class']}`: what the server and the machine allow before any Django code runs.
- **The peer**: goosebit {peer.VERSION} (PyPI `goosebit`, the FastAPI + SQLite hawkBit DDI server). The harness
  installs it into its own virtual environment, `var/bench/goosebit-{peer.VERSION}/venv` (never the portal's;
  its dependencies pinned by `bench/goosebit-constraints.txt`; reused while present), creates its SQLite
  database afresh with goosebit's own aerich migrations (`aerich init -t goosebit.db.config.TORTOISE_CONF
  --location <site-packages>/goosebit/db/migrations`, `aerich upgrade`) and serves it as its docs do,
  `uvicorn goosebit:app --workers {peer.WORKERS}` (no access log, as gunicorn writes none here). Its
  {config.goosebit_devices:,} devices register on their first `GET /DEFAULT/controller/v1/{{id}}` and then send
  their configData, as an SWUpdate agent does, before anything is measured; they then poll as idle devices.
  Without network access to PyPI the install fails, the report says so, and every other figure still prints.
- **The same load for all**: wrk `-t1 -c{config.connections}`, a `Connection: close` header on every request,
  every request a different device ({config.peer_devices:,} portal devices sampled per fleet size, fewer when
  the fleet is smaller; goosebit's {config.goosebit_devices:,}), {config.peer_rounds} rounds of
  {config.peer_seconds:g} s per target that alternate the six targets in a rotated order (floor, goosebit,
  ping, idle check-in, offer-making check-in, idle DDI root poll). A ratio is taken within a round; the
  bars judge the median of the rounds' ratios at every fleet size.

Reproduce with `make bench` (writes this page) or `make bench-quick` (small sizes, {QUICK.peer_rounds} rounds of {QUICK.peer_seconds:g} s; writes
`bench/out/quick/benchmarks.md`), or one benchmark again with `.venv/bin/python -m bench run --only peers`.

### The fleet generator

```sh
bin/manage simulate_fleet --devices 1000000 --releases 1000   # --rollouts 100 --filters 20 --products 3
bin/manage simulate_fleet --devices 1000000 --releases 10 --prune   # drop the releases past the tenth
```

It creates (or grows) the fleet named `--name` (default `sim`): products `sim-gateway`, `sim-sensor`… each
with modules `default` and `app`; releases `1.N.0` spread over them with verified artifacts, some limited to
source versions or a minimum agent version; device filters on region, hardware, customer, tags, installed
and agent versions and uid prefixes; the newest `--rollouts` releases rolling out (general or targeted, phases
1 → 10 → 50 → 100 %), the others suspended; devices with attributes, tags, agent versions and installed
versions skewed towards the oldest, last-seen times, and for about 5 % of them an update of a running rollout
in some state. Devices are written with COPY in batches of `--batch-size` (10,000) behind a progress bar;
running it again with the same numbers changes nothing and bigger numbers add what is missing. It refuses
products of the same name that it did not make. Device tokens are derived from `SECRET_KEY` and the uid
(`rollouts.simulation.device_token`), so the load generator knows them and no plaintext is stored.
"""


def plot(ctx: Context, name: str, title: str, series: dict, **kwargs) -> str:
    file_name = f"bench-{name}.png"
    plot_curve(ctx.images / file_name, title, series, **kwargs)
    return file_name
