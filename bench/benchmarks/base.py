"""What every benchmark has: a name, a report section, and a reason when it cannot run yet."""

from bench.report import Section, machine


class Benchmark:
    name = ""
    title = ""
    intro = ""
    sized = False  # measured at each fleet size (at_size) rather than once (run)

    def __init__(self, ctx):
        self.ctx = ctx
        self.missing = self.find_missing()
        self._section = Section(name=self.name, title=self.title, intro=self.intro, machine=machine(),
                                quick=ctx.config.quick, missing=self.missing)

    def find_missing(self) -> str:
        """Why this benchmark cannot run (an endpoint not built yet), or blank."""
        return ""

    def run(self, ctx) -> None:
        """Measurements that do not depend on the fleet size."""

    def at_size(self, ctx, devices: int) -> None:
        """Measurements with a fleet of ``devices`` devices (sized benchmarks)."""

    def finish(self, section: Section) -> None:
        """Complete the section once every size was measured (tables, verdicts, plots)."""

    def close(self) -> None:
        """Stop what this benchmark started (the run calls it even when a benchmark failed)."""

    def section(self) -> Section:
        if not self.missing:
            self.finish(self._section)
        return self._section


def url_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True
