"""What a maintenance window may be, and what looking at windows may cost: a schedule must name a moment,
an owner has at most MAX_WINDOWS, and a look at the hardest windows allowed reads a bounded number of openings
(counted, not timed: bench/benchmarks/safety.py times it)."""

from datetime import UTC, datetime, timedelta

import pytest
from croniter import croniter
from django.core.management.base import CommandError

from otaportal.process_caches import WINDOW_STATES
from rollouts import windows
from rollouts.models import MaintenanceWindow
from rollouts.policy import WindowPolicy
from rollouts.services import maintenance
from tests.rollouts.admin.test_policy_form import form_data
from tests.rollouts.test_commands import run

PRODUCT_WINDOWS = "/api/v1/products/thermostat/maintenance-windows"
CHECK_IN = "/api/v1/device/check-in"
NOON = datetime(2026, 6, 10, 12, tzinfo=UTC)
# Openings a week-long window opening every minute reads back (one a minute), and then ahead while merging.
MINUTES_IN_A_WEEK = 7 * 24 * 60


@pytest.fixture
def openings_read(monkeypatch):
    """Counts the openings croniter computes (each costs ~0.1 ms): the work a look at windows does."""
    count = {"openings": 0}
    get_next = croniter.get_next

    def counted(self, *args, **kwargs):
        count["openings"] += 1
        return get_next(self, *args, **kwargs)

    monkeypatch.setattr(croniter, "get_next", counted)
    return count


def full(owner):
    """MAX_WINDOWS windows of ``owner``, each open for a week from every minute: the costliest to look at."""
    for _ in range(windows.MAX_WINDOWS):
        maintenance.add_window(owner, "* * * * *", timedelta(days=7), "Europe/Berlin")


@pytest.mark.django_db
@pytest.mark.parametrize("schedule", ["0 0 31 2 *", "0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 1 1 MON#5"])
def test_a_schedule_naming_no_moment_that_comes_answers_400_naming_it(api, product, schedule):
    response = api.post(PRODUCT_WINDOWS, {"schedule": schedule, "duration": "01:00:00"}, format="json")

    assert response.status_code == 400
    assert "would never open" in response.json()["schedule"][0]
    assert not MaintenanceWindow.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("time_zone", ["../../etc/passwd", "/etc/localtime", "Europe/../UTC", "zone.tab", "",
                                       "x" * 65])
def test_a_time_zone_that_is_not_an_iana_name_answers_400_naming_it(api, product, time_zone):
    response = api.post(PRODUCT_WINDOWS, {"schedule": "0 2 * * *", "duration": "01:00:00", "timeZone": time_zone},
                        format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["timeZone"]


@pytest.mark.django_db
def test_a_window_beyond_the_most_an_owner_may_have_answers_400(api, product):
    full(product)

    response = api.post(PRODUCT_WINDOWS, {"schedule": "0 2 * * *", "duration": "01:00:00"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [
        f"There are {windows.MAX_WINDOWS} maintenance windows here already, the most allowed: remove one first."]}
    assert product.maintenance_windows.count() == windows.MAX_WINDOWS


@pytest.mark.django_db
def test_the_command_refuses_a_window_beyond_the_most_an_owner_may_have(product):
    full(product)

    with pytest.raises(CommandError, match="^There are 10 maintenance windows here already"):
        run("maintenance_windows", "thermostat", "--add", "0 2 * * *")


@pytest.mark.django_db
def test_the_rollout_page_refuses_more_windows_than_an_owner_may_have(admin_client, offerable_release):
    rollout = offerable_release("2.0.0").rollout
    rows = [("0 2 * * *", "01:00:00", "UTC")] * (windows.MAX_WINDOWS + 1)

    response = admin_client.post(f"/admin/rollouts/rollout/{rollout.pk}/change/",
                                 form_data(rollout, strategy="general", windows=rows))

    assert response.status_code == 200  # the form again, with the error
    assert not rollout.maintenance_windows.exists()


@pytest.mark.django_db
def test_listing_the_costliest_windows_allowed_reads_each_back_its_own_week_and_at_most_the_merge_limit(
        api, product, openings_read):
    full(product)
    WINDOW_STATES.clear()  # nothing kept from adding them

    response = api.get(PRODUCT_WINDOWS)

    assert response.status_code == 200
    # Each window's standing is computed once: its week back, then ahead until the merge limit.
    assert openings_read["openings"] <= windows.MAX_WINDOWS * (MINUTES_IN_A_WEEK + windows.MAX_MERGED + 2)


@pytest.mark.django_db
def test_a_check_in_under_short_windows_beside_a_week_long_one_reads_the_short_ones_back_only_a_minute(
        product, offerable_release, device, device_client, openings_read):
    """Each window is read back only its own duration: the minute-long ones are not read for a week back
    (before, ten of them beside a week-long one made a check-in read 90,000 openings: 4.7 s)."""
    maintenance.add_window(product, "0 0 1 1 *", timedelta(days=7), "UTC")
    for _ in range(windows.MAX_WINDOWS - 1):
        maintenance.add_window(product, "* * * * *", timedelta(minutes=1), "Australia/Lord_Howe")
    offerable_release("2.0.0")
    WINDOW_STATES.clear()

    response = device_client(device).post(CHECK_IN, {"agentVersion": "1.5.0", "modules": {"default": "1.0.0"}},
                                          format="json")

    assert response.status_code == 200
    assert openings_read["openings"] <= windows.MAX_MERGED + 3 * windows.MAX_WINDOWS


def test_a_short_window_beside_a_week_long_one_is_open_exactly_when_it_is():
    every_other_minute = (WindowPolicy("*/2 * * * *", timedelta(minutes=1), "UTC"),
                          WindowPolicy("0 0 1 1 *", timedelta(days=7), "UTC"))

    assert windows.state(every_other_minute, NOON).opening == windows.Opening(NOON, NOON + timedelta(minutes=1))
    assert windows.is_open(every_other_minute, NOON + timedelta(minutes=1)) is False
    assert windows.is_open(every_other_minute, datetime(2026, 1, 3, 12, tzinfo=UTC)) is True  # the week-long one


def test_a_window_looked_at_for_its_next_opening_keeps_the_state_kept_for_now():
    nightly = WindowPolicy("0 2 * * *", timedelta(hours=3), "UTC")
    windows.state((nightly,), NOON)

    maintenance.standing(MaintenanceWindow(schedule="0 2 * * *", duration=timedelta(hours=3), time_zone="UTC"),
                         NOON)

    kept_since, _ = WINDOW_STATES.get((nightly,))
    assert kept_since == NOON
