"""3. Download: 8 concurrent clients through the portal against the same clients fetching from S3 directly."""

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from django.test import Client

from bench.benchmarks.base import Benchmark, url_exists
from bench.load import debian_tool, run as load, write_requests
from bench.measure import PeakMemory
from bench.report import Table, Verdict, number, ratio, ratio_text
from bench.storage import release_with_object

MIB = 1024 * 1024
GB = 1e9
MEMORY_BAR_MIB = 32


def curl_many(urls: list[str], headers: dict, follow: bool = False) -> tuple[float, int]:
    """Seconds for one curl process per URL, all at once, to download everything; and bytes received."""
    command = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", "--max-time", "600"]
    if follow:
        command.append("-L")
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]

    def fetch(url):
        output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout.split()
        if output[0] != "200":
            raise RuntimeError(f"curl {url} answered {output[0]}")
        return int(output[1])

    started = time.perf_counter()
    with ThreadPoolExecutor(len(urls)) as pool:
        received = sum(pool.map(fetch, urls))
    return time.perf_counter() - started, received


def best_of(measure, times: int = 2) -> tuple[float, int]:
    return min((measure() for _ in range(times)), key=lambda result: result[0])


def warm_up(url: str, headers: dict, clients: int) -> None:
    """A few concurrent small range requests, so that every worker has loaded boto3 before memory is sampled."""
    command = ["curl", "-s", "-o", "/dev/null", "-r", "0-1023"] + [a for k, v in headers.items() for a in ("-H", f"{k}: {v}")]
    for _ in range(3):
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(lambda _: subprocess.run(command + [url], check=True), range(clients)))


class Download(Benchmark):
    name = "download"
    title = "3. Download"
    intro = ("`GET /api/v2/ota-files/{id}/file` of one file by 8 concurrent `curl` processes through gunicorn "
             "(the portal streams from the S3 server), against the same 8 clients fetching a presigned URL "
             "from the S3 server directly; then the redirect mode (`OTA_DOWNLOAD_REDIRECT=true`: the portal "
             "answers 302 to a presigned URL). Throughput is the bytes all clients received over the wall time (best of 2); "
             "web worker memory is the largest rise of one gunicorn worker's resident memory during the "
             "downloads, after a few small range requests have made every worker load boto3 once.")

    def find_missing(self):
        if not url_exists("/api/v2/ota-files/x/file"):
            return "`GET /api/v2/ota-files/{id}/file` is not on main yet"
        return "" if debian_tool("curl", "curl") else "curl is not installed and could not be"

    def run(self, ctx):
        from catalog.models import Artifact
        from catalog.storage import ArtifactStore
        from devices.models import Device
        from devices.tokens import issue_token

        size = ctx.config.download_bytes
        release, artifact, key, _, _ = release_with_object(ctx.out / "objects", size, "bench-download",
                                                           "Download bench")
        product = release.product
        deadline = time.monotonic() + 600
        while Artifact.objects.get(pk=artifact.pk).state != "verified":
            if time.monotonic() > deadline:
                raise RuntimeError("the download benchmark's artifact was not verified")
            time.sleep(0.1)
        device, _ = Device.objects.get_or_create(uid="bench-downloader", defaults={"product": product})
        token = issue_token(device)
        listing = Client(HTTP_HOST="127.0.0.1").get("/api/v2/ota-files", HTTP_X_ACCESS_TOKEN=token).json()
        file_id = next(item["id"] for item in listing if item["version"] == release.version)
        path_url = f"/api/v2/ota-files/{file_id}/file"
        clients = ctx.config.download_clients
        headers = {"x-access-token": token}

        warm_up(ctx.gunicorn.url + path_url, headers, clients)
        with PeakMemory(ctx.gunicorn.worker_pids) as memory:
            portal_seconds, portal_bytes = best_of(lambda: curl_many([ctx.gunicorn.url + path_url] * clients, headers))
        presigned = ArtifactStore().presigned_url(key, 900, "firmware.bin")
        direct_seconds, direct_bytes = best_of(lambda: curl_many([presigned] * clients, {}))

        redirecting = ctx.start_gunicorn(OTA_DOWNLOAD_REDIRECT="true")
        try:
            warm_up(redirecting.url + path_url, headers, clients)
            with PeakMemory(redirecting.worker_pids) as redirect_memory:
                redirect_seconds, redirect_bytes = best_of(
                    lambda: curl_many([redirecting.url + path_url] * clients, headers, follow=True))
            requests_file = write_requests(ctx.out / "requests" / "download.txt", [(token, "")])
            redirects = load(redirecting.url + path_url, requests_file, seconds=ctx.config.load_seconds,
                             connections=ctx.config.connections)
            pings = load(redirecting.url + "/api/v1/device/ping", requests_file, seconds=ctx.config.load_seconds,
                         connections=ctx.config.connections)
        finally:
            ctx.start_gunicorn()
        self._report(size, clients, (portal_seconds, portal_bytes), (direct_seconds, direct_bytes),
                     (redirect_seconds, redirect_bytes), memory, redirect_memory, redirects, pings)

    def _report(self, size, clients, portal, direct, redirect, memory, redirect_memory, redirects, pings):
        section = self._section
        rate = lambda pair: pair[1] / pair[0] / GB  # noqa: E731
        table = Table(f"{clients} clients × {size // MIB} MiB", ["path", "GB/s (all clients)", "vs direct", "bar",
                                                                  "web worker memory growth (MiB)", ""])
        portal_ratio = ratio(rate(portal), rate(direct))
        passed = portal_ratio >= 0.8
        flat = memory.growth_mib < MEMORY_BAR_MIB
        table.add("through the portal (streamed)", number(rate(portal), 2), ratio_text(portal_ratio), "≥ 0.80×",
                  number(memory.growth_mib, 1), "**pass**" if passed else "**miss**")
        table.add("presigned URL, S3 server directly (baseline)", number(rate(direct), 2), "1.00×", "", "–", "")
        table.add("portal in redirect mode (302, then S3)", number(rate(redirect), 2),
                  ratio_text(ratio(rate(redirect), rate(direct))), "", number(redirect_memory.growth_mib, 1), "")
        section.tables.append(table)
        redirect_table = Table("Redirect answers under load (wrk, 32 connections)",
                               ["endpoint", "req/s", "p50 / p99 (ms)", "vs ping", "statuses"])
        redirect_table.add("`GET /api/v2/ota-files/{id}/file` → 302", number(redirects.rps),
                           f"{redirects.p50_ms:.1f} / {redirects.p99_ms:.1f}", ratio_text(ratio(redirects.rps, pings.rps)),
                           ", ".join(f"{k}: {v:,}" for k, v in sorted(redirects.statuses.items())))
        redirect_table.add("`GET /api/v1/device/ping` (baseline)", number(pings.rps),
                           f"{pings.p50_ms:.1f} / {pings.p99_ms:.1f}", "1.00×",
                           ", ".join(f"{k}: {v:,}" for k, v in sorted(pings.statuses.items())))
        section.tables.append(redirect_table)
        section.verdicts.append(Verdict("streamed ≥ 0.8 × direct S3", passed,
                                        f"{ratio_text(portal_ratio)} ({number(rate(portal), 2)} GB/s)"))
        section.verdicts.append(Verdict(f"web worker memory flat (< {MEMORY_BAR_MIB} MiB growth)", flat,
                                        f"{number(memory.growth_mib, 1)} MiB"))
        section.notes.append("The clients, the S3 server and gunicorn share the machine's cores, so both paths "
                             "pay the clients' cost; the portal path also pays a second copy through gunicorn.")
