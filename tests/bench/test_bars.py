"""The arithmetic of the peer benchmark's report: per-round ratios, the bars' verdicts, machines needed."""

from bench import bars


def rounds(*pairs, figure="ddi_idle", baseline="goosebit"):
    return [{figure: measured, baseline: base} for measured, base in pairs]


def test_a_ratio_is_taken_within_each_round():
    # given two rounds in which the machine was faster in the second
    measured = rounds((2000, 500), (3000, 1000))

    # then each ratio divides figures of the same round
    assert bars.round_ratios(measured, "ddi_idle", "goosebit") == [4.0, 3.0]


def test_the_bar_judges_the_median_of_the_rounds_ratios():
    measured = rounds((2000, 500), (2100, 700), (2500, 500))  # 4.0, 3.0, 5.0

    assert bars.median_ratio(measured, "ddi_idle", "goosebit") == 4.0


def test_a_round_without_the_baseline_gives_no_ratio():
    measured = [{"ddi_idle": 2000}, {"ddi_idle": 2000, "goosebit": 400}]

    assert bars.round_ratios(measured, "ddi_idle", "goosebit") == [5.0]


def test_the_idle_poll_bar_is_met_at_four_times_goosebit_at_every_size():
    bar = bars.BARS[0]
    by_size = {1_000: rounds((2000, 500)), 1_000_000: rounds((2040, 500))}

    verdict = bars.bar_verdict(bar, by_size, failures={})

    assert (bar.figure, bar.baseline, bar.minimum, bar.aim) == ("ddi_idle", "goosebit", 4, 5)
    assert verdict.passed is True
    assert verdict.detail == "4.00× at 1,000 4.08× at 1,000,000"


def test_the_bar_is_missed_when_one_fleet_size_falls_short():
    by_size = {1_000: rounds((2000, 500)), 1_000_000: rounds((1900, 500))}

    verdict = bars.bar_verdict(bars.BARS[0], by_size, failures={})

    assert verdict.passed is False


def test_the_bar_is_missed_when_requests_were_answered_wrongly_however_fast():
    by_size = {1_000: rounds((5000, 500))}

    verdict = bars.bar_verdict(bars.BARS[0], by_size, failures={1_000: "idle DDI root poll: 12 unexpected"})

    assert verdict.passed is False
    assert "12 unexpected" in verdict.detail


def test_without_goosebit_the_bar_is_not_measured_rather_than_missed():
    by_size = {1_000: [{"ddi_idle": 2000, "floor": 8000}]}

    verdict = bars.bar_verdict(bars.BARS[0], by_size, failures={})

    assert verdict.passed is None
    assert verdict.detail == "goosebit's DDI poll not measured"


def test_the_ping_bar_is_a_share_of_the_floor():
    bar = bars.BARS[2]
    by_size = {1_000: rounds((2400, 8000), figure="ping", baseline="floor")}

    assert (bar.figure, bar.baseline, bar.minimum) == ("ping", "floor", 0.3)
    assert bars.bar_verdict(bar, by_size, failures={}).passed is True


def test_a_figure_that_falls_by_more_than_noise_at_the_largest_fleet_fails_to_hold():
    # given steady rounds (2 % apart) and a fall of 20 % of the share of the floor
    by_size = {1_000: rounds((1000, 8000), (1000, 8160), figure="ping", baseline="floor"),
               1_000_000: rounds((800, 8000), (800, 8160), figure="ping", baseline="floor")}

    verdict = bars.scale_verdict("ping", by_size)

    assert verdict.passed is False
    assert verdict.detail == "-20% from 1,000 to 1,000,000 devices (noise 10%)"


def test_a_fall_within_the_rounds_own_spread_is_noise():
    # given rounds 25 % apart at the largest fleet, and a median fall of 20 %
    by_size = {1_000: rounds((1000, 8000), figure="ping", baseline="floor"),
               1_000_000: rounds((900, 8000), (675, 8000), (800, 8000), figure="ping", baseline="floor")}

    verdict = bars.scale_verdict("ping", by_size)

    assert verdict.passed is True
    assert verdict.detail == "-20% from 1,000 to 1,000,000 devices (noise 25%)"


def test_a_figure_cannot_be_said_to_hold_from_one_fleet_size():
    verdict = bars.scale_verdict("ping", {1_000: rounds((1000, 8000), figure="ping", baseline="floor")})

    assert verdict.passed is None


def test_machines_needed_for_a_million_devices_polling_every_five_minutes():
    # 1,000,000 / 300 s = 3,333.3 requests a second
    assert bars.machines_needed(3334) == 1
    assert bars.machines_needed(3333) == 2
    assert bars.machines_needed(500) == 7
    assert bars.machines_needed(1700) == 2
    assert bars.machines_needed(None) is None
