"""1. Verification: the Celery task on a large artifact against boto3 + hashlib, and hashlib in memory."""

import hashlib
import time

from django.conf import settings
from django.db import transaction

from bench.benchmarks.base import Benchmark
from bench.measure import PeakMemory
from bench.report import Table, Verdict, number, ratio, ratio_text
from bench.storage import client, release_with_object

MIB = 1024 * 1024
GB = 1e9
REPEATS = 2


def _hashers(which: str):
    if which == "sha256":
        return [hashlib.sha256()]
    if which == "none":
        return []
    return [hashlib.sha256(), hashlib.sha1(usedforsecurity=False), hashlib.md5(usedforsecurity=False)]


def stream_and_hash(key: str, which: str) -> float:
    """Seconds for one process to stream the object with boto3 (8 MiB chunks) and hash it."""
    s3 = client()
    started = time.perf_counter()
    body = s3.get_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key)["Body"]
    hashers = _hashers(which)
    for chunk in body.iter_chunks(settings.OTA_STREAM_CHUNK_SIZE):
        for hasher in hashers:
            hasher.update(chunk)
    return time.perf_counter() - started


def hash_in_memory(data: memoryview, which: str) -> float:
    hashers = _hashers(which)
    started = time.perf_counter()
    for offset in range(0, len(data), settings.OTA_STREAM_CHUNK_SIZE):
        chunk = data[offset:offset + settings.OTA_STREAM_CHUNK_SIZE]
        for hasher in hashers:
            hasher.update(chunk)
    return time.perf_counter() - started


class Verification(Benchmark):
    name = "verification"
    title = "1. Verification"
    intro = ("The `verify_artifact` Celery task (a separate prefork worker process) streams the object from "
             "the S3 server and computes SHA-256, SHA-1 and MD5 in one pass. Baselines, in the same run: "
             "(a) one process streaming the same object with boto3 in the same 8 MiB chunks and hashing it "
             "with hashlib, with SHA-256 alone and with all three digests; (b) hashlib over the same bytes "
             "in memory (the physical limit). Throughput is the object size over the best of "
             f"{REPEATS} runs; the task's time is from its start to its verdict, both written by the worker.")

    def run(self, ctx):
        from catalog.models import Artifact
        from catalog.services.verification import request_verification

        size = ctx.config.verify_bytes
        _, artifact, key, _, path = release_with_object(ctx.out / "objects", size, "bench-verification",
                                                        "Verification bench")

        task_seconds, growth = [], []
        for attempt in range(REPEATS):
            if attempt:
                with transaction.atomic():
                    request_verification(artifact)
            with PeakMemory(ctx.celery.pool_pids) as memory:
                done = self._wait_verified(Artifact, artifact.pk)
            task_seconds.append((done.verified_at - done.verification_started_at).total_seconds())
            if attempt:  # the first task also loads boto3 and opens connections: a one-time cost
                growth.append(memory.growth_mib)
        stream = {which: min(stream_and_hash(key, which) for _ in range(REPEATS)) for which in ("sha256", "all", "none")}
        data = memoryview(path.read_bytes())
        memory_hash = {which: min(hash_in_memory(data, which) for _ in range(REPEATS)) for which in ("sha256", "all")}
        del data
        self._report(size, min(task_seconds), max(growth), stream, memory_hash)

    @staticmethod
    def _wait_verified(Artifact, pk, timeout=900):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            artifact = Artifact.objects.get(pk=pk)
            if artifact.state == "verified":
                return artifact
            if artifact.state == "failed":
                raise RuntimeError(f"verification failed: {artifact.failure}")
            time.sleep(0.05)
        raise RuntimeError("verification did not finish")

    def _report(self, size, task, growth, stream, memory_hash):
        section = self._section
        rate = lambda seconds: size / seconds / GB  # noqa: E731
        baseline = rate(stream["sha256"])
        table = Table(f"{size // MIB} MiB object", ["measurement", "GB/s", "vs (a) SHA-256", "bar", ""])
        task_ratio = ratio(rate(task), baseline)
        passed = task_ratio >= 0.9
        table.add("Celery task `verify_artifact` (SHA-256 + SHA-1 + MD5)", number(rate(task), 2),
                  ratio_text(task_ratio), "≥ 0.90×", "**pass**" if passed else "**miss**")
        rows = [("(a) boto3 stream + hashlib SHA-256", stream["sha256"]),
                ("(a) boto3 stream + hashlib SHA-256 + SHA-1 + MD5", stream["all"]),
                ("boto3 stream, no hashing (transport limit)", stream["none"]),
                ("(b) hashlib SHA-256 in memory", memory_hash["sha256"]),
                ("(b) hashlib SHA-256 + SHA-1 + MD5 in memory", memory_hash["all"])]
        for label, seconds in rows:
            table.add(label, number(rate(seconds), 2), ratio_text(ratio(rate(seconds), baseline)), "", "")
        section.tables.append(table)
        memory = Table("Worker memory", ["measurement", "MiB", "bar", ""])
        memory.add("peak resident memory growth of the worker's pool process", number(growth, 1), "< 64",
                   "**pass**" if growth < 64 else "**miss**")
        section.tables.append(memory)
        section.verdicts.append(Verdict("task ≥ 0.9 × boto3+hashlib stream", passed,
                                        f"{ratio_text(task_ratio)} ({number(rate(task), 2)} GB/s)"))
        section.verdicts.append(Verdict("worker memory growth < 64 MiB", growth < 64, f"{number(growth, 1)} MiB"))
        extra = rate(stream["all"]) / baseline
        section.notes.append(
            f"Computing SHA-1 and MD5 besides SHA-256 (for hawkBit's DDI, which reports all three) costs "
            f"{(1 - extra) * 100:.0f} % of the streaming throughput in a single thread "
            f"({number(rate(stream['all']), 2)} against {number(baseline, 2)} GB/s); in memory, all three run at "
            f"{number(rate(memory_hash['all']), 2)} GB/s against {number(rate(memory_hash['sha256']), 2)} GB/s "
            f"for SHA-256 alone.")
