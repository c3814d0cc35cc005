"""Rate budgets: at most N new offers a rollout a minute over every process, growing with its successes."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from devices import session as sessions
from devices.models import Device
from otaportal.edge import CacheStore, OfferRate, RedisStore, offer_allowance, store
from rollouts.models import MAX_OFFERS_PER_MINUTE, DeviceUpdate, UpdateStatus
from rollouts.policy import for_product
from rollouts.services import budget, checkin, feedback, transitions
from rollouts.services.budget import next_minute
from rollouts.tasks import recount_budget_successes
from tests.factories import DeviceFactory
from tests.rollouts.test_commands import run

pytestmark = pytest.mark.django_db
S = UpdateStatus

CHECK_IN = "/api/v1/device/check-in"
REPORT = {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}}
NOW = timezone.now().replace(second=5, microsecond=0)  # early in a minute: the tests' offers stay within it
RATE = OfferRate(2, None, None, MAX_OFFERS_PER_MINUTE)


@pytest.fixture
def budgeted(offerable_release):
    """Factory: release 2.0.0 started with this rate budget."""

    def make(**options):
        release = offerable_release("2.0.0")
        transitions.set_policy(release.rollout, **options)
        release.rollout.refresh_from_db()
        return release

    return make


def devices(product, count: int) -> list:
    return [DeviceFactory(product=product, uid=f"budget-{n:03d}", installed_versions={"default": "1.0.0"})
            for n in range(count)]


def checked_in(device, now=NOW):
    return checkin.check_in(device, checkin.Report(), for_product(device.product_id), None, now)


# --- the store -----------------------------------------------------------------------------------

def test_two_processes_share_one_budget():
    first, second = RedisStore(settings.OTA_EDGE_REDIS_URL), RedisStore(settings.OTA_EDGE_REDIS_URL)
    moment = NOW.timestamp()

    taken = [first.offer_budget(7, "r", RATE, moment, take=True).admitted,
             second.offer_budget(7, "r", RATE, moment, take=True).admitted,
             first.offer_budget(7, "r", RATE, moment, take=True).admitted]

    assert taken == [True, True, False]
    assert second.offer_budget(7, "r", RATE, moment, take=False).used == 2


def test_a_refused_offer_is_not_counted():
    moment = NOW.timestamp()
    for _ in range(5):
        store().offer_budget(7, "r", RATE, moment, take=True)

    assert store().offer_budget(7, "r", RATE, moment, take=False).used == 2


def test_the_next_minute_has_a_budget_of_its_own():
    moment = NOW.timestamp()
    for _ in range(2):
        store().offer_budget(7, "r", RATE, moment, take=True)

    assert not store().offer_budget(7, "r", RATE, moment, take=True).admitted
    assert store().offer_budget(7, "r", RATE, moment + 60, take=True).admitted


@pytest.mark.parametrize("per_minute, factor, every, successes", [
    (10, 1.5, 20, 0), (10, 1.5, 20, 19), (10, 1.5, 20, 20), (10, 1.5, 20, 45), (3, 1.1, 1, 7), (100, 2.0, 5, 23),
    (7, 5.0, 1, 10_000), (1, 1.1, 1, 1_000_000),
])
def test_redis_and_the_cache_fallback_allow_the_same(per_minute, factor, every, successes):
    rate = OfferRate(per_minute, factor, every, MAX_OFFERS_PER_MINUTE)
    store().set_successes("r", successes)

    allowed = store().offer_budget(7, "r", rate, NOW.timestamp(), take=False).allowed

    assert allowed == offer_allowance(rate, successes) <= MAX_OFFERS_PER_MINUTE


@pytest.mark.parametrize("edge", [store, CacheStore], ids=["redis", "cache fallback"])
def test_a_success_count_drifted_below_zero_leaves_the_base_rate(edge):
    rate = OfferRate(3, 1.5, 2, MAX_OFFERS_PER_MINUTE)
    edge().set_successes("r", -1)

    assert edge().offer_budget(7, "r", rate, NOW.timestamp(), take=False).allowed == 3


def test_the_cache_fallback_keeps_a_budget_too():
    fallback = CacheStore()
    moment = NOW.timestamp()

    taken = [fallback.offer_budget(7, "r", RATE, moment, take=True).admitted for _ in range(3)]

    assert taken == [True, True, False]


# --- the allowance ---------------------------------------------------------------------------------

def test_the_budget_grows_by_its_factor_after_each_step_of_successes(budgeted):
    release = budgeted(offers_per_minute=10, rate_growth_factor=Decimal("1.5"), rate_growth_every=20)
    store().set_successes(release.pk, 39)
    assert budget.budget_of(release.rollout, NOW).allowed_per_minute == 15

    store().count_successes(release.pk, 1)

    assert budget.budget_of(release.rollout, NOW).allowed_per_minute == 22


def test_a_success_reported_counts_once_its_transaction_commits(
        budgeted, device, django_capture_on_commit_callbacks):
    release = budgeted(offers_per_minute=1, rate_growth_factor=Decimal("2"), rate_growth_every=1)
    update = checked_in(device).offer.update
    store().set_successes(release.pk, 0)

    with django_capture_on_commit_callbacks(execute=True):
        for status in (S.DOWNLOADING, S.INSTALLED, S.COMMITTED):  # committed after installed: still one success
            feedback.report_status(update, status)

    current = budget.budget_of(release.rollout, NOW)
    assert (current.successes, current.allowed_per_minute) == (1, 2)


def test_a_missing_success_count_is_rebuilt_from_the_database(budgeted, device):
    release = budgeted(offers_per_minute=10, rate_growth_factor=Decimal("2"), rate_growth_every=1)
    DeviceUpdate.objects.create(device=device, release=release, status=S.INSTALLED)

    assert budget.budget_of(release.rollout, NOW).allowed_per_minute == 20


def test_beat_sets_the_success_counts_of_growing_rollouts(budgeted, device):
    release = budgeted(offers_per_minute=10, rate_growth_factor=Decimal("2"), rate_growth_every=1)
    DeviceUpdate.objects.create(device=device, release=release, status=S.COMMITTED)
    store().set_successes(release.pk, 5)

    assert recount_budget_successes() == 1
    assert store().offer_budget(release.rollout.pk, release.pk, budget.rate_of(10, Decimal(2), 1),
                                NOW.timestamp(), take=False).successes == 1


# --- offers ----------------------------------------------------------------------------------------

def test_devices_beyond_the_budget_are_answered_nothing_now(budgeted, product):
    budgeted(offers_per_minute=2)

    answers = [checked_in(device).offer for device in devices(product, 3)]

    assert [answer is not None for answer in answers] == [True, True, False]


def test_a_refused_device_writes_nothing(budgeted, product):
    budgeted(offers_per_minute=1)
    first, refused = devices(product, 2)
    checked_in(first)

    with CaptureQueriesContext(connection) as queries:
        answered = checked_in(refused)

    assert answered.offer is None and answered.holds_until == next_minute(NOW)
    assert not [query for query in queries.captured_queries if query["sql"].lstrip().upper().startswith("INSERT")]
    assert not DeviceUpdate.objects.filter(device=refused).exists()


def test_a_refused_device_is_admitted_the_next_minute(budgeted, product):
    budgeted(offers_per_minute=1)
    first, refused = devices(product, 2)
    checked_in(first)
    assert checked_in(refused).offer is None

    assert checked_in(refused, now=next_minute(NOW)).offer is not None


def test_an_offer_already_made_is_never_refused(budgeted, product):
    budgeted(offers_per_minute=1)
    device, other = devices(product, 2)
    offered = checked_in(device).offer.update
    checked_in(other)  # refused: the budget is spent

    assert checked_in(device).offer.update == offered


def test_a_retry_is_a_new_offer_the_budget_counts(budgeted, product):
    budgeted(offers_per_minute=1, max_attempts=2, retry_backoff=timedelta(minutes=1))
    device, = devices(product, 1)
    update = checked_in(device).offer.update
    feedback.report_status(update, S.DOWNLOADING)
    update = feedback.report_status(update, S.FAILED)
    due = next_minute(update.finished_at + timedelta(minutes=1))

    assert checked_in(device, now=due).offer.update.attempt == 2
    assert budget.budget_of(update.release.rollout, due).used_this_minute == 1


def test_a_rollout_without_a_budget_is_not_counted(offerable_release, product):
    release = offerable_release("2.0.0")

    assert all(checked_in(device).offer for device in devices(product, 3))
    assert budget.budget_of(release.rollout, NOW) is None


# --- what people and devices see -------------------------------------------------------------------

def test_a_refused_check_in_is_remembered_only_until_the_next_minute(budgeted, product, device_client, same_minute):
    budgeted(offers_per_minute=1)
    first, refused = devices(product, 2)
    checked_in(first, now=timezone.now())
    client = device_client(refused)
    client.post(CHECK_IN, REPORT, format="json")  # keeps the device's session: the next answer is remembered

    assert client.post(CHECK_IN, REPORT, format="json").status_code == 204

    answered_by = timezone.now()
    session = sessions.open_session(refused.token, "127.0.0.1", None, Device.objects.all())
    assert json.loads(session.remembered["check-in"])["expires"] <= next_minute(answered_by).timestamp()


def test_the_management_api_shows_the_budget(budgeted, device, api, same_minute):
    release = budgeted(offers_per_minute=5)
    checked_in(device, now=timezone.now())

    body = api.get(f"/api/v1/rollouts/{release.pk}").json()

    assert body["budget"]["allowedPerMinute"] == 5 and body["budget"]["usedThisMinute"] == 1


def test_the_management_api_shows_no_budget_without_one(offerable_release, api):
    release = offerable_release("2.0.0")

    assert api.get(f"/api/v1/rollouts/{release.pk}").json()["budget"] is None


def test_the_progress_page_shows_the_budget_and_its_use(budgeted, admin_client):
    release = budgeted(offers_per_minute=10, rate_growth_factor=Decimal("1.5"), rate_growth_every=20)
    store().set_successes(release.pk, 40)

    page = admin_client.get(f"/admin/rollouts/rollout/{release.rollout.pk}/progress/").content.decode()

    assert "budget: 22/min (grown ×2.25 after 40 successes; ×1.5 every 20), used this minute: 0" in page


def test_rollout_status_shows_the_budget(budgeted):
    budgeted(offers_per_minute=10, rate_growth_factor=Decimal("1.5"), rate_growth_every=20)

    assert "Rate budget: 10/min (grown ×1.00 after 0 successes; ×1.5 every 20), used this minute: 0" in run(
        "rollout_status", "thermostat:2.0.0")
