"""Load from a separate process: wrk with a Lua script, or an aiohttp generator when wrk is missing.

wrk (Debian package ``wrk``) is the load generator of record: it is C, so on a
2-core machine it takes less of the server's CPU than a Python client would.
The harness installs it with apt-get when it can; otherwise the same requests
go out from ``python -m bench.load`` (aiohttp), and the report says which was used.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

LUA_SCRIPT = Path(__file__).with_name("requests.lua")


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict = field(default_factory=dict)
    tool: str = "wrk"

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"requests": self.requests, "seconds": self.seconds, "rps": self.rps, "p50_ms": self.p50_ms,
                "p99_ms": self.p99_ms, "errors": self.errors, "statuses": self.statuses, "tool": self.tool}


_tools: dict[str, str] = {}


def debian_tool(command: str, package: str) -> str | None:
    """The path of ``command``, installing Debian's ``package`` once if it is missing and we may."""
    if command not in _tools:
        found = shutil.which(command)
        if not found and shutil.which("apt-get") and os.geteuid() == 0 and not os.environ.get("OTA_BENCH_NO_APT"):
            print(f"bench: installing {package} from Debian's packages", file=sys.stderr)
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            for step in (["apt-get", "install", "-y", "-qq", package], ["apt-get", "update", "-qq"],
                         ["apt-get", "install", "-y", "-qq", package]):
                subprocess.run(step, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                found = shutil.which(command)
                if found:
                    break
        _tools[command] = found or ""
    return _tools[command] or None


def wrk_path() -> str | None:
    return debian_tool("wrk", "wrk")


def write_requests(path: Path, lines: list[tuple]) -> Path:
    """The requests file: one ``token<TAB>body[<TAB>path<TAB>headers]`` line per request.

    ``body`` may be empty; ``path`` (default: the URL's) and ``headers`` (``Name: value|Name: value``)
    are optional, for requests that go to a path of their own with headers of their own.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join("\t".join(line) + "\n" for line in lines))
    return path


def run(url: str, requests_file: Path, *, method: str = "GET", seconds: float = 10, connections: int = 32,
        threads: int = 2) -> LoadResult:
    wrk = wrk_path()
    if wrk is None:
        return _run_python(url, requests_file, method, seconds, connections)
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(LUA_SCRIPT), url, "--", str(requests_file), method]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRK_RESULT (.*)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    data = json.loads(match.group(1))
    return LoadResult(requests=data["requests"], seconds=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1e3,
                      p99_ms=data["p99_us"] / 1e3, errors=data["errors"], statuses=data["statuses"])


def _run_python(url, requests_file, method, seconds, connections) -> LoadResult:
    command = [sys.executable, "-m", "bench.load", url, str(requests_file), method, str(seconds), str(connections)]
    output = subprocess.run(command, capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout
    data = json.loads(output.strip().splitlines()[-1])
    return LoadResult(**data, tool="aiohttp")


async def _python_load(url, requests_file, method, seconds, connections) -> dict:
    import aiohttp

    lines = [(line.split("\t") + ["", "", ""])[:4] for line in Path(requests_file).read_text().splitlines()]
    base = url.split("/", 3)[:3]
    latencies, statuses, errors = [], {}, 0
    deadline = time.monotonic() + seconds

    async def client(number, session):
        nonlocal errors
        position = number * 7919
        while time.monotonic() < deadline:
            token, body, path, extra = lines[position % len(lines)]
            position += 1
            headers = {"x-access-token": token} if token else {}
            headers.update(item.split(": ", 1) for item in extra.split("|") if ": " in item)
            if body:
                headers["Content-Type"] = "application/json"
            target = "/".join(base) + path if path else url
            started = time.perf_counter()
            try:
                async with session.request(method, target, data=body or None, headers=headers) as response:
                    await response.read()
                    statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
            except aiohttp.ClientError:
                errors += 1
                continue
            latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(number, session) for number in range(connections)))
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "seconds": elapsed, "p50_ms": cuts[49] * 1e3, "p99_ms": cuts[98] * 1e3,
            "errors": errors, "statuses": statuses}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="aiohttp load generator (fallback for wrk)")
    parser.add_argument("url")
    parser.add_argument("requests_file")
    parser.add_argument("method")
    parser.add_argument("seconds", type=float)
    parser.add_argument("connections", type=int)
    arguments = parser.parse_args()
    print(json.dumps(asyncio.run(_python_load(arguments.url, arguments.requests_file, arguments.method,
                                              arguments.seconds, arguments.connections))))
