"""5. Admin: server time and queries of the dashboard, the device list and a rollout's pages, by fleet size."""

from django.urls import NoReverseMatch, reverse

from bench.benchmarks.base import Benchmark
from bench.measure import count_queries, time_calls
from bench.report import Table, Verdict, number, ratio, ratio_text

BAR_MS = 500
DASHBOARD_COLD = "dashboard, census counted afresh"
# Rollout pages of the rollouts admin (rollouts/admin/rollout_pages.py), measured when they exist.
ROLLOUT_PAGES = (("rollout progress page", "admin:rollouts_rollout_progress"),
                 ("rollout dry-run page", "admin:rollouts_rollout_dry_run"))


def _reverse(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _counting_afresh(get):
    """``get`` after deleting the dashboard's cached fleet census, so the page counts the fleet again."""
    from django.core.cache import cache

    from rollouts.services import fleet_census

    def get_counting_afresh():
        cache.delete(fleet_census.CACHE_KEY)
        return get()

    return get_counting_afresh


class Admin(Benchmark):
    name = "admin"
    title = "5. Admin pages"
    sized = True
    intro = ("Server time of Django admin pages for a logged-in superuser, in-process through Django's test "
             "client against the run's database (median of 5 after a warm-up; no network, no browser), and "
             "the queries each page makes. Baseline: a plain admin page (the list of the auth app's models) "
             "in the same run. The dashboard (the admin index) is measured twice: as most visits find it, with "
             "the fleet census cached (OTA_DASHBOARD_CACHE_SECONDS), and cold, its cache entry deleted before "
             "each request (a Redis DEL, inside the timing).")

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
            ("dashboard, census cached", reverse("admin:index")),
            (DASHBOARD_COLD, reverse("admin:index")),
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

        baseline = time_calls(page(reverse("admin:app_list", kwargs={"app_label": "auth"})), repeat=5)
        for label, url in self._pages():
            call = _counting_afresh(page(url)) if label == DASHBOARD_COLD else page(url)
            timing = time_calls(call, repeat=5)
            queries, _ = count_queries(call)
            self.rows.append({"devices": devices, "page": label, "url": url, "ms": timing.median,
                              "baseline_ms": baseline.median, "queries": queries})

    def finish(self, section):
        from bench.runner import plot

        table = Table("", ["devices", "page", "server time (ms)", "plain admin page (ms)", "vs plain page", "queries",
                           "bar", ""])
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
        section.notes.append("The dashboard counts the fleet by installed version exactly up to "
                             "OTA_DASHBOARD_CENSUS_ROWS devices (50,000) by PostgreSQL's estimate of the table, "
                             "and past that from a `TABLESAMPLE SYSTEM` sample of about that many rows, scaled up "
                             "and labelled as an estimate (rollouts/services/fleet_census.py); the census is then "
                             "cached for OTA_DASHBOARD_CACHE_SECONDS (60 s).")
        if not any(row["page"] == "rollout progress page" for row in self.rows):
            section.notes.append("The rollout pages are not measured: the rollouts admin has no such views yet.")
        section.plots.append(plot(self.ctx, "admin", "Admin page server time by fleet size", {
            page: [(row["devices"], row["ms"]) for row in self.rows if row["page"] == page] for page in sorted(pages)
        }, ylabel="milliseconds", hline=(BAR_MS, f"bar: {BAR_MS} ms")))
