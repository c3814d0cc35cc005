"""Maintenance windows at a fixed clock (rollouts.windows), across both changes of the clocks, and how each
action type is handled inside and outside them (rollouts.handling)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rollouts import handling, windows
from rollouts.models import UpdateType
from rollouts.policy import ProductPolicy, WindowPolicy

BERLIN = ZoneInfo("Europe/Berlin")
NIGHTLY = (WindowPolicy("0 2 * * *", timedelta(hours=3), "Europe/Berlin"),)


def berlin(*fields) -> datetime:
    return datetime(*fields, tzinfo=BERLIN)


def test_a_window_is_open_from_its_start_for_its_duration():
    state = windows.state(NIGHTLY, berlin(2026, 6, 10, 3, 30))

    assert state.open is True
    assert (state.opening.start, state.opening.end) == (berlin(2026, 6, 10, 2), berlin(2026, 6, 10, 5))
    assert state.changes_at == berlin(2026, 6, 10, 5)


def test_outside_a_window_the_next_one_is_named():
    state = windows.state(NIGHTLY, berlin(2026, 6, 10, 12))

    assert state.open is False
    assert (state.opening.start, state.opening.end) == (berlin(2026, 6, 11, 2), berlin(2026, 6, 11, 5))
    assert state.changes_at == berlin(2026, 6, 11, 2)


def test_a_window_closes_at_its_end_exactly():
    assert windows.is_open(NIGHTLY, berlin(2026, 6, 10, 4, 59, 59)) is True
    assert windows.is_open(NIGHTLY, berlin(2026, 6, 10, 5)) is False


def test_no_windows_means_install_any_time():
    assert windows.state((), berlin(2026, 6, 10, 12)) is None
    assert windows.is_open((), berlin(2026, 6, 10, 12)) is True
    assert windows.next_change((), berlin(2026, 6, 10, 12)) is None


def test_a_window_opened_days_ago_is_still_open_within_its_duration():
    weekly = (WindowPolicy("0 22 * * 5", timedelta(days=2, hours=8), "UTC"),)  # Friday 22:00 to Monday 06:00

    state = windows.state(weekly, datetime(2026, 6, 14, 12, tzinfo=UTC))  # Sunday noon

    assert state.open is True
    assert state.opening.start == datetime(2026, 6, 12, 22, tzinfo=UTC)
    assert state.opening.end == datetime(2026, 6, 15, 6, tzinfo=UTC)


def test_windows_that_overlap_merge_into_one():
    overlapping = (WindowPolicy("0 1 * * *", timedelta(hours=2), "UTC"),
                   WindowPolicy("0 2 * * *", timedelta(hours=2), "UTC"))

    state = windows.state(overlapping, datetime(2026, 6, 10, 2, 30, tzinfo=UTC))

    assert (state.opening.start, state.opening.end) == (datetime(2026, 6, 10, 1, tzinfo=UTC),
                                                        datetime(2026, 6, 10, 4, tzinfo=UTC))


def test_windows_in_different_time_zones_each_read_their_own():
    both = (WindowPolicy("0 2 * * *", timedelta(hours=1), "Europe/Berlin"),
            WindowPolicy("0 2 * * *", timedelta(hours=1), "America/New_York"))
    new_york_night = datetime(2026, 6, 10, 6, 30, tzinfo=UTC)  # 02:30 in New York, 08:30 in Berlin

    assert windows.is_open(both, new_york_night) is True


def test_a_start_the_spring_clocks_skip_opens_when_the_gap_ends():
    # 2026-03-29 in Europe/Berlin: 02:00 becomes 03:00, so 02:30 never comes.
    half_past_two = (WindowPolicy("30 2 * * *", timedelta(hours=1), "Europe/Berlin"),)

    state = windows.state(half_past_two, berlin(2026, 3, 29, 0, 30))

    assert state.opening.start == berlin(2026, 3, 29, 3)
    assert state.opening.end == berlin(2026, 3, 29, 4)
    assert windows.is_open(half_past_two, berlin(2026, 3, 29, 3, 30)) is True


def test_the_duration_is_elapsed_time_across_the_fall_back_night():
    # 2026-10-25 in Europe/Berlin: 03:00 summer time becomes 02:00 winter time.
    one_am = (WindowPolicy("0 1 * * *", timedelta(hours=3), "Europe/Berlin"),)

    state = windows.state(one_am, berlin(2026, 10, 25, 0, 30))

    assert state.opening.start == datetime(2026, 10, 24, 23, tzinfo=UTC)  # 01:00 summer time
    assert state.opening.end == datetime(2026, 10, 25, 2, tzinfo=UTC)  # 03:00 winter time: three hours later
    assert windows.is_open(one_am, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) is True
    assert windows.is_open(one_am, datetime(2026, 10, 25, 2, tzinfo=UTC)) is False


def test_a_start_the_autumn_clocks_repeat_opens_at_both_and_merges():
    two_am = (WindowPolicy("0 2 * * *", timedelta(hours=3), "Europe/Berlin"),)

    state = windows.state(two_am, datetime(2026, 10, 25, 0, 30, tzinfo=UTC))  # 02:30 summer time

    assert state.open is True
    assert state.opening.start == datetime(2026, 10, 25, 0, tzinfo=UTC)  # the first 02:00
    assert state.opening.end == datetime(2026, 10, 25, 4, tzinfo=UTC)  # three hours after the second


def test_a_date_that_never_comes_never_opens():
    never = (WindowPolicy("0 0 31 2 *", timedelta(hours=1), "UTC"),)

    state = windows.state(never, berlin(2026, 6, 10, 12))

    assert (state.open, state.opening, state.changes_at) == (False, None, None)


def test_describe_says_inside_outside_or_none():
    assert windows.describe((), berlin(2026, 6, 10, 12)) == "no maintenance window: installs any time"
    assert windows.describe(NIGHTLY, berlin(2026, 6, 10, 3)) == (
        "inside a maintenance window ('0 2 * * *' for 3:00:00, Europe/Berlin) until 2026-06-10T05:00+02:00")
    assert windows.describe(NIGHTLY, berlin(2026, 6, 10, 12)) == (
        "outside every maintenance window ('0 2 * * *' for 3:00:00, Europe/Berlin): may download now, install "
        "from 2026-06-11T02:00+02:00 until 2026-06-11T05:00+02:00")


# --- handling --------------------------------------------------------------------------------

INSIDE, OUTSIDE = berlin(2026, 6, 10, 3), berlin(2026, 6, 10, 12)
FORCED_AT = berlin(2026, 6, 10, 6)


@pytest.mark.parametrize(("update_type", "download", "update"), [
    (UpdateType.SOFT, "attempt", "attempt"),
    (UpdateType.FORCED, "forced", "forced"),
    (UpdateType.DOWNLOAD_ONLY, "forced", "skip"),
])
def test_each_action_type_maps_to_hawkbits_handling_without_windows(update_type, download, update):
    handled = handling.of(update_type, None, (), OUTSIDE)

    assert (handled.download, handled.update, handled.maintenance_window) == (download, update, None)
    assert (handled.install_after, handled.install_before) == (None, None)


def test_timeforced_is_soft_before_its_forced_time_and_forced_from_it():
    before = handling.of(UpdateType.TIMEFORCED, FORCED_AT, (), FORCED_AT - timedelta(seconds=1))
    at = handling.of(UpdateType.TIMEFORCED, FORCED_AT, (), FORCED_AT)

    assert (before.download, before.update, before.changes_at) == ("attempt", "attempt", FORCED_AT)
    assert (at.download, at.update, at.changes_at) == ("forced", "forced", None)


@pytest.mark.parametrize("update_type", [UpdateType.SOFT, UpdateType.FORCED, UpdateType.TIMEFORCED])
def test_outside_every_window_the_update_is_skipped_and_deferred(update_type):
    handled = handling.of(update_type, FORCED_AT, NIGHTLY, OUTSIDE)

    assert (handled.update, handled.maintenance_window, handled.installation) == ("skip", "unavailable", "deferred")
    assert (handled.install_after, handled.install_before) == (berlin(2026, 6, 11, 2), berlin(2026, 6, 11, 5))


def test_outside_every_window_the_download_goes_on_as_the_type_says():
    assert handling.of(UpdateType.FORCED, None, NIGHTLY, OUTSIDE).download == "forced"
    assert handling.of(UpdateType.SOFT, None, NIGHTLY, OUTSIDE).download == "attempt"


def test_inside_a_window_the_type_decides_and_the_window_is_available():
    handled = handling.of(UpdateType.FORCED, None, NIGHTLY, INSIDE)

    assert (handled.download, handled.update, handled.maintenance_window) == ("forced", "forced", "available")
    assert (handled.installation, handled.install_before) == ("now", berlin(2026, 6, 10, 5))
    assert handled.changes_at == berlin(2026, 6, 10, 5)


def test_download_only_is_deferred_inside_a_window_too():
    handled = handling.of(UpdateType.DOWNLOAD_ONLY, None, NIGHTLY, INSIDE)

    assert (handled.update, handled.maintenance_window, handled.installation) == ("skip", "available", "deferred")


def test_the_handling_changes_at_the_earlier_of_the_window_edge_and_the_forced_time():
    assert handling.of(UpdateType.TIMEFORCED, FORCED_AT, NIGHTLY, INSIDE).changes_at == berlin(2026, 6, 10, 5)
    assert handling.of(UpdateType.TIMEFORCED, FORCED_AT, NIGHTLY, berlin(2026, 6, 10, 5, 30)).changes_at == FORCED_AT


# --- remembered answers are bounded by the next edge -----------------------------------------

def test_a_policy_holds_until_the_next_window_edge_of_any_rollout():
    rollout_windows = ((7, (WindowPolicy("0 4 * * *", timedelta(minutes=30), "Europe/Berlin"),)),)
    snapshot = ProductPolicy(1, (), "0", NIGHTLY, rollout_windows)

    assert snapshot.holds_until(berlin(2026, 6, 10, 1)) == berlin(2026, 6, 10, 2)  # the product's opens
    assert snapshot.holds_until(berlin(2026, 6, 10, 3)) == berlin(2026, 6, 10, 4)  # the rollout's opens
    assert snapshot.holds_until(berlin(2026, 6, 10, 4, 40)) == berlin(2026, 6, 10, 5)  # the product's closes


def test_a_rollout_without_windows_of_its_own_has_its_products():
    own = (WindowPolicy("0 4 * * *", timedelta(minutes=30), "UTC"),)
    snapshot = ProductPolicy(1, (), "0", NIGHTLY, ((7, own),))

    assert snapshot.windows_of(7) == own
    assert snapshot.windows_of(8) == NIGHTLY
    assert snapshot.windows_of(None) == NIGHTLY
