"""TUF publishing cost: signing a product's repository with 1,000 offerable releases."""

from bench.benchmarks.base import Benchmark
from bench.measure import count_queries, time_calls
from bench.report import Table, Verdict, number

RELEASES = 1_000
BAR_MS = 2_000
PRODUCT_KEY = "bench-tuf"


def make_product_with_releases(count: int):
    """A product with ``count`` active releases, each with a verified artifact (rows only: no bytes)."""
    import hashlib

    from django.db import connection

    from catalog.choices import ArtifactState
    from catalog.models import Artifact, Product, Release
    from catalog.versioning import version_key

    product, _ = Product.objects.get_or_create(key=PRODUCT_KEY, defaults={"name": "TUF publishing benchmark"})
    module = product.modules.get()
    existing = product.releases.count()
    releases = Release.objects.bulk_create(
        Release(product=product, module=module, version=f"1.{n}.0", version_key=version_key(f"1.{n}.0"))
        for n in range(existing, count)
    )
    Artifact.objects.bulk_create(
        Artifact(release=release, storage_key=f"{PRODUCT_KEY}/{release.version}/firmware.bin",
                 file_name="firmware.bin", size=4 * 1024 * 1024, state=ArtifactState.VERIFIED,
                 sha256=hashlib.sha256(release.version.encode()).hexdigest())
        for release in releases
    )
    # Statistics as autovacuum would leave them: planned against empty tables, the offerable releases'
    # join compares every release with every artifact (0.24 s of a 0.5 s publication at 1,000).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_release, catalog_artifact, catalog_tufmetadata")
    return product


class TufPublishing(Benchmark):
    name = "tuf"
    title = "TUF publishing"
    intro = (f"`catalog.services.tuf.publish` on a product with {number(RELEASES)} offerable releases, "
             "in-process against the run's database (Ed25519 signatures, python-tuf's Metadata API): the "
             "first publication (`tuf_init`: root, targets, snapshot, timestamp), a publication after one "
             "release is deprecated (new targets, snapshot, timestamp), and one with nothing to sign. "
             "Median of 5 after a warm-up; the deprecation is undone between samples without signals. "
             "Then beat's pruning (`catalog.services.tuf_pruning.prune`) of the versions those "
             "publications superseded, once.")

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows = []
        self.targets_bytes = 0

    def run(self, ctx):
        from catalog.choices import ReleaseStatus
        from catalog.models import Release, TufRepository, TufRole
        from catalog.services import tuf, tuf_keys, tuf_pruning

        product = make_product_with_releases(RELEASES)
        TufRepository.objects.filter(product=product).delete()
        first = time_calls(lambda: tuf_keys.init_repository(product.key), repeat=1, warmup=0)
        self.rows.append(("first publication (tuf_init)", first.median, None))
        one = Release.objects.filter(product=product).order_by("version_key").first()

        def after_a_deprecation():
            status = ReleaseStatus.DEPRECATED if one.status == ReleaseStatus.ACTIVE else ReleaseStatus.ACTIVE
            Release.objects.filter(pk=one.pk).update(status=status)
            one.status = status
            return tuf.publish(product.pk)

        changed = time_calls(after_a_deprecation)
        queries, _ = count_queries(after_a_deprecation)
        self.rows.append(("publication after a deprecation", changed.median, queries))
        unchanged = time_calls(lambda: tuf.publish(product.pk))
        queries, _ = count_queries(lambda: tuf.publish(product.pk))
        self.rows.append(("publication with nothing to sign", unchanged.median, queries))
        superseded = tuf_pruning.superseded().count()
        queries, pruning = count_queries(lambda: time_calls(tuf_pruning.prune, repeat=1, warmup=0))
        self.rows.append((f"pruning {number(superseded)} superseded versions", pruning.median, queries))
        latest = product.tuf_repository.metadata.latest_of(TufRole.TARGETS)
        self.targets_bytes = len(latest.content)

    def finish(self, section):
        table = Table("", ["publication", "time (ms)", "queries"])
        for label, ms, queries in self.rows:
            table.add(label, number(ms, 1), "" if queries is None else queries)
        section.tables.append(table)
        changed = next(ms for label, ms, _ in self.rows if label.startswith("publication after"))
        section.verdicts.append(Verdict(f"a publication after a change < {number(BAR_MS)} ms at "
                                        f"{number(RELEASES)} releases", changed < BAR_MS,
                                        f"{number(changed, 1)} ms"))
        size = number(self.targets_bytes / 1024, 1)
        section.notes.append(f"targets.json at {number(RELEASES)} targets: {size} KiB; "
                             "each device downloads it again only when its version changes.")
