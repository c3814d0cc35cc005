"""5. Admin: server time and queries of the device list and a rollout's progress page, by fleet size."""

from django.urls import NoReverseMatch, reverse

from bench.benchmarks.base import Benchmark
from bench.measure import count_queries, time_calls
from bench.report import Table, Verdict, number, ratio, ratio_text

BAR_MS = 500
# Rollout pages of the rollouts admin (rollouts/admin/rollout_pages.py), measured when they exist.
ROLLOUT_PAGES = (("rollout progress page", "admin:rollouts_rollout_progress"),
                 ("rollout dry-run page", "admin:rollouts_rollout_dry_run"))


def _reverse(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


class Admin(Benchmark):
    name = "admin"
    title = "5. Admin pages"
    sized = True
    intro = ("Server time of Django admin pages for a logged-in superuser, in-process through Django's test "
             "client against the run's database (median of 5 after a warm-up; no network, no browser), and "
             "the queries each page makes. Baseline: the admin index page in the same run.")

    def find_missing(self):
        if _reverse("admin:devices_device_changelist") is None:
            return "the devices admin is not on main yet"
        return ""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rows = []

    def _pages(self):
        from catalog.models import Product
        from rollouts import simulation
        from rollouts.models import Rollout, Strategy

        devices = reverse("admin:devices_device_changelist")
        product = Product.objects.get(key=simulation.product_key("sim", 0))
        pages = [
            ("device list, first page", devices),
            ("device list, filtered by product", f"{devices}?product__id__exact={product.pk}"),
            ("device list, search by uid", f"{devices}?q={simulation.device_uid('sim', 12345 % max(self.ctx.devices, 1))}"),
            ("device list, search by name", f"{devices}?q=Simulated+sim-0000"),
        ]
        rollout = (Rollout.objects.filter(release__product=product).exclude(strategy=Strategy.SUSPENDED)
                   .order_by("-release__version_key").first())
        for label, name in ROLLOUT_PAGES:
            url = _reverse(name, rollout.pk) if rollout else None
            if url:
                pages.append((label, url))
        return pages

    def at_size(self, ctx, devices):
        from django.contrib.auth import get_user_model
        from django.test import Client

        user, _ = get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)

        def page(url):
            def get():
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url} answered {response.status_code}")
                return response
            return get

        index = time_calls(page(reverse("admin:index")), repeat=5)
        for label, url in self._pages():
            timing = time_calls(page(url), repeat=5)
            queries, _ = count_queries(page(url))
            self.rows.append({"devices": devices, "page": label, "url": url, "ms": timing.median,
                              "baseline_ms": index.median, "queries": queries})

    def finish(self, section):
        from bench.runner import plot

        table = Table("", ["devices", "page", "server time (ms)", "admin index (ms)", "vs index", "queries", "bar",
                           ""])
        for row in self.rows:
            table.add(number(row["devices"]), row["page"], number(row["ms"], 1), number(row["baseline_ms"], 1),
                      ratio_text(ratio(row["ms"], row["baseline_ms"])), row["queries"], f"< {BAR_MS} ms",
                      "**pass**" if row["ms"] < BAR_MS else "**miss**")
        section.tables.append(table)
        largest = max(row["devices"] for row in self.rows)
        at_largest = [row for row in self.rows if row["devices"] == largest]
        slowest = max(at_largest, key=lambda row: row["ms"])
        section.verdicts.append(Verdict(f"every page < {BAR_MS} ms at {number(largest)} devices",
                                        slowest["ms"] < BAR_MS, f"slowest: {slowest['page']}, "
                                                                f"{number(slowest['ms'])} ms"))
        pages = {row["page"] for row in self.rows}
        sizes = sorted({row["devices"] for row in self.rows})[-2:]

        def counts(page, among=None):
            return sorted({row["queries"] for row in self.rows if row["page"] == page
                           and (among is None or row["devices"] in among)})

        steady = all(len(counts(page, sizes)) == 1 for page in pages)
        section.verdicts.append(Verdict(
            "queries per page do not grow with the fleet", steady,
            "; ".join(f"{page}: {', '.join(map(str, counts(page)))}" for page in sorted(pages))))
        section.notes.append("The device list counts exactly up to 10,000 rows (`COUNT(*)` over `LIMIT 10001`) and "
                             "reads PostgreSQL's estimate past that, one more query: the count of queries steps "
                             "once, from 5 to 6, and then stays the same however large the fleet. The verdict "
                             "compares the two largest fleets.")
        if not any(row["page"] == "rollout progress page" for row in self.rows):
            section.notes.append("The rollout pages are not measured: the rollouts admin has no such views yet.")
        section.plots.append(plot(self.ctx, "admin", "Admin page server time by fleet size", {
            page: [(row["devices"], row["ms"]) for row in self.rows if row["page"] == page] for page in sorted(pages)
        }, ylabel="milliseconds", hline=(BAR_MS, f"bar: {BAR_MS} ms")))
