"""The rollout safety benchmark: the rows it makes, what its measured calls answer and cost, its verdicts."""

from types import SimpleNamespace

import pytest
from django.test import RequestFactory
from django.utils import timezone

from bench.benchmarks.safety import (PLAIN_KEY, WINDOWED_KEY, SafetyOverhead, check_in, ensure_product,
                                     poll_ddi)
from bench.measure import count_queries
from bench.report import Section
from bench.runner import FULL
from devices.models import Device
from otaportal.edge import store
from rollouts import policy
from rollouts.models import DeviceUpdate, UpdateType

pytestmark = pytest.mark.django_db


def test_a_second_run_finds_the_rows_of_the_first():
    now = timezone.now()
    for _ in range(2):
        plain, windowed = ensure_product(PLAIN_KEY, False, now), ensure_product(WINDOWED_KEY, True, now)

    assert Device.objects.filter(uid__startswith="bench-safety-").count() == 2
    assert DeviceUpdate.objects.filter(device__in=[plain, windowed]).count() == 2
    assert windowed.product.maintenance_windows.count() == 2


def test_only_the_windowed_product_has_windows_a_forced_time_and_a_budget():
    now = timezone.now()
    plain, windowed = ensure_product(PLAIN_KEY, False, now), ensure_product(WINDOWED_KEY, True, now)

    plain_release = policy.for_product(plain.product_id).releases[0]
    release = policy.for_product(windowed.product_id).releases[0]
    assert (plain_release.update_type, plain_release.windows, plain_release.offers_per_minute) == (
        UpdateType.FORCED, (), None)
    assert release.update_type == UpdateType.TIMEFORCED and release.forced_at > now
    assert len(release.windows) == 2 and release.offers_per_minute is not None


@pytest.mark.parametrize("key, windowed", [(PLAIN_KEY, False), (WINDOWED_KEY, True)])
def test_the_measured_poll_and_check_in_find_the_offer_in_one_query_and_write_nothing(key, windowed):
    now = timezone.now()
    device = ensure_product(key, windowed, now)
    generation = store().generation(device.product_id)
    request = RequestFactory().post("/api/v1/device/check-in", HTTP_HOST="127.0.0.1")

    poll_queries, state = count_queries(lambda: poll_ddi(device.pk, generation, now))
    check_in_queries, body = count_queries(lambda: check_in(device.pk, generation, request, now))

    update = DeviceUpdate.objects.get(device=device)
    assert (poll_queries, check_in_queries) == (1, 1)
    assert state.deployment.action_id == body["updateId"] == update.pk
    assert update.attempt == 1


def section_of(rows):
    """The section a run that measured these rows writes."""
    benchmark = SafetyOverhead.__new__(SafetyOverhead)
    benchmark.ctx = SimpleNamespace(config=FULL)
    benchmark.rows, benchmark.window_state = rows, "inside a maintenance window"
    section = Section(name="safety", title="7")
    benchmark.finish(section)
    return section


def measured(queries, subject_us=100.0, baseline_us=100.0):
    return {"subject": "s", "baseline": "b", "subject_us": subject_us, "baseline_us": baseline_us,
            "ratio": 1.05, "quartiles": (0.98, 1.1), "queries": queries}


def rows(poll_queries=(1, 1), window_queries=(0, 0)):
    return {"poll": measured(poll_queries, 2000.0), "checkin": measured((1, 1)),
            "window": measured(window_queries, 300.0, 1.0), "busiest": measured((0, 0), 50_000.0, 1.0),
            "budget": measured((0, 0), 90.0, 50.0)}


def test_equal_query_counts_pass_the_verdicts():
    assert [verdict.passed for verdict in section_of(rows()).verdicts] == [True, True, True]


def test_a_query_more_with_windows_fails_its_verdict():
    verdicts = section_of(rows(poll_queries=(2, 1))).verdicts

    assert (verdicts[0].passed, verdicts[0].detail) == (False, "2 / 1 queries, 1.05× the time (rounds' quartiles 0.98× – 1.10×)")


def test_sql_in_the_window_state_fails_its_verdict():
    assert section_of(rows(window_queries=(1, 0))).verdicts[2].passed is False
