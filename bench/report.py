"""Results of a run: tables of figures against same-run baselines, plots, and docs/benchmarks.md."""

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINDINGS = Path(__file__).with_name("findings.md")


def machine() -> dict:
    """Cores, CPU model (from /proc/cpuinfo), memory and versions: what the figures depend on."""
    model, flags = "unknown", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            if key.strip() == "flags" and not flags:
                flags = value
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        postgres = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                                  capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        postgres = "unknown"
    return {
        "cores": os.cpu_count(), "cpu": model, "sha_extensions": " sha_ni" in f" {flags} ",
        "memory_gib": round(memory, 1), "python": platform.python_version(), "postgresql": postgres,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


@dataclass
class Verdict:
    bar: str
    passed: bool | None  # None: not measured
    detail: str = ""


@dataclass
class Table:
    title: str
    columns: list
    rows: list = field(default_factory=list)

    def add(self, *cells):
        self.rows.append([str(cell) for cell in cells])


@dataclass
class Section:
    name: str
    title: str
    intro: str = ""
    tables: list = field(default_factory=list)
    verdicts: list = field(default_factory=list)
    plots: list = field(default_factory=list)  # file names under docs/images (or the run's images folder)
    notes: list = field(default_factory=list)
    missing: str = ""  # why nothing was measured
    machine: dict = field(default_factory=dict)
    quick: bool = False

    @classmethod
    def from_dict(cls, data: dict) -> "Section":
        data = dict(data)
        data["tables"] = [Table(**table) for table in data.get("tables", [])]
        data["verdicts"] = [Verdict(**verdict) for verdict in data.get("verdicts", [])]
        return cls(**data)


# --- formatting -----------------------------------------------------------------------------------

def number(value, digits=0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def ratio(figure, baseline) -> float | None:
    return figure / baseline if figure is not None and baseline else None


def ratio_text(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def verdict_text(passed) -> str:
    return {True: "**pass**", False: "**miss**", None: "not measured"}[passed]


def size_label(devices: int) -> str:
    if devices >= 1_000_000 and devices % 1_000_000 == 0:
        return f"{devices // 1_000_000}M"
    if devices >= 1000 and devices % 1000 == 0:
        return f"{devices // 1000}k"
    return str(devices)


# --- plots ------------------------------------------------------------------------------------------

def plot_curve(path: Path, title: str, series: dict, *, xlabel="devices in the fleet", ylabel="", logx=True,
               hline: tuple | None = None) -> Path:
    """A scaling curve: each series is a list of (x, y); ``hline`` is (y, label) for a bar."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4), dpi=110)
    for label, points in series.items():
        points = sorted(point for point in points if point[1] is not None)
        if points:
            axes.plot([x for x, _ in points], [y for _, y in points], marker="o", label=label)
    if hline is not None:
        axes.axhline(hline[0], color="#dc3545", linestyle="--", linewidth=1, label=hline[1])
    if logx:
        axes.set_xscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.set_ylim(bottom=0)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    pyplot.close(figure)
    return path


# --- storage and rendering ---------------------------------------------------------------------------

class Store:
    """Sections of a mode (full or quick) as JSON, so that ``--only`` re-renders the others unchanged."""

    def __init__(self, folder: Path):
        self.folder = folder

    def save(self, section: Section) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / f"{section.name}.json").write_text(json.dumps(asdict(section), indent=1))

    def load(self, name: str) -> Section | None:
        path = self.folder / f"{name}.json"
        return Section.from_dict(json.loads(path.read_text())) if path.exists() else None


def _machine_line(info: dict) -> str:
    sha = ", SHA extensions" if info.get("sha_extensions") else ""
    return (f"{info.get('cores')} cores, {info.get('cpu')}{sha}, {info.get('memory_gib')} GiB; "
            f"PostgreSQL {info.get('postgresql')}, Python {info.get('python')}; {info.get('date')}")


@dataclass
class KeptSection:
    """A section as the page last showed it, for a benchmark with no stored results here (a fresh checkout
    running ``--only`` another one): its summary rows and its body, kept word for word."""

    title: str
    summary_rows: list
    body: list


def kept_sections(page: str, titles: list[str]) -> dict[str, KeptSection]:
    """The sections of a rendered page with these titles, as found in it (titles not on the page are left out)."""
    lines = page.splitlines()
    kept = {}
    for title in titles:
        heading = f"## {title}"
        if heading not in lines:
            continue
        start = lines.index(heading) + 1
        end = next((index for index in range(start, len(lines)) if lines[index].startswith("## ")), len(lines))
        body = lines[start:end]
        if body and not body[-1].strip():
            body.pop()  # the blank line ``render`` writes before the next heading
        rows = [line for line in lines if line.startswith(f"| {title} |")]
        kept[title] = KeptSection(title, rows, body)
    return kept


def render(sections: list, *, header: str, images_prefix: str) -> str:
    """The page: ``sections`` are Section (rendered from results) or KeptSection (copied from the last page)."""
    lines = [header, "", "## Summary", "",
             "Each result is against its bar; why a bar is missed, and what was done about it, is told under "
             "[What was slow](#what-was-slow-and-what-was-done-about-it) at the end.", "",
             "| benchmark | bar | result | |", "|---|---|---|---|"]
    for section in sections:
        if isinstance(section, KeptSection):
            lines += section.summary_rows
            continue
        if section.missing:
            lines.append(f"| {section.title} | – | not measured: {section.missing} | |")
        for verdict in section.verdicts:
            lines.append(f"| {section.title} | {verdict.bar} | {verdict.detail} | {verdict_text(verdict.passed)} |")
    for section in sections:
        lines += ["", f"## {section.title}"]
        if isinstance(section, KeptSection):
            lines += section.body
            continue
        lines.append("")
        if section.machine:
            lines += [f"*Measured on {_machine_line(section.machine)}{' (quick run)' if section.quick else ''}.*", ""]
        if section.intro:
            lines += [section.intro, ""]
        if section.missing:
            lines += [f"**Not measured:** {section.missing}", ""]
        for table in section.tables:
            if table.title:
                lines += [f"**{table.title}**", ""]
            lines.append("| " + " | ".join(table.columns) + " |")
            lines.append("|" + "---|" * len(table.columns))
            lines += ["| " + " | ".join(row) + " |" for row in table.rows]
            lines.append("")
        for plot in section.plots:
            lines += [f"![{section.title}: {plot}]({images_prefix}{plot})", ""]
        lines += [f"- {note}" for note in section.notes]
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip()]
    return "\n".join(lines).rstrip() + "\n"
