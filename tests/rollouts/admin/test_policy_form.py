"""Editing a rollout's policy, filters and phases on its admin page goes through transitions.set_policy."""

import pytest
from django.urls import reverse

from rollouts.models import RolloutEvent, Strategy

pytestmark = pytest.mark.django_db


def form_data(rollout, strategy="targeted", filters=(), phases=(), windows=()):
    """The change form as a browser posts it: the rollout's fields and its inline formsets, all new rows."""
    data = {
        "strategy": strategy, "update_type": rollout.update_type, "max_attempts": str(rollout.max_attempts),
        "retry_backoff": str(rollout.retry_backoff),
        "rollout_filters-TOTAL_FORMS": str(len(filters)), "rollout_filters-INITIAL_FORMS": "0",
        "rollout_filters-MIN_NUM_FORMS": "0", "rollout_filters-MAX_NUM_FORMS": "1000",
        "phases-TOTAL_FORMS": str(len(phases)), "phases-INITIAL_FORMS": "0",
        "phases-MIN_NUM_FORMS": "0", "phases-MAX_NUM_FORMS": "1000",
        "maintenance_windows-TOTAL_FORMS": str(len(windows)), "maintenance_windows-INITIAL_FORMS": "0",
        "maintenance_windows-MIN_NUM_FORMS": "0", "maintenance_windows-MAX_NUM_FORMS": "1000",
    }
    for index, (schedule, duration, time_zone) in enumerate(windows):
        data.update({f"maintenance_windows-{index}-schedule": schedule,
                     f"maintenance_windows-{index}-duration": duration,
                     f"maintenance_windows-{index}-time_zone": time_zone})
    for index, (device_filter, date) in enumerate(filters):
        data[f"rollout_filters-{index}-filter"] = str(device_filter.pk)
        data[f"rollout_filters-{index}-rollout_date_0"] = date[0]
        data[f"rollout_filters-{index}-rollout_date_1"] = date[1]
    for index, (number, percentage, soak) in enumerate(phases):
        data.update({f"phases-{index}-position": str(number), f"phases-{index}-percentage": str(percentage),
                     f"phases-{index}-min_soak": soak, f"phases-{index}-success_threshold": "95",
                     f"phases-{index}-failure_threshold": "5"})
    return data


@pytest.fixture
def suspended(offerable_release):
    return offerable_release("3.0.0", strategy=Strategy.SUSPENDED).rollout


def test_saving_the_form_sets_strategy_filters_and_phases_with_one_event(
        admin_client, admin_user, suspended, beta_filter):
    data = form_data(suspended, filters=[(beta_filter, ("2030-01-01", "00:00:00"))],
                     phases=[(1, 5, "01:00:00"), (2, 100, "0")])

    response = admin_client.post(reverse("admin:rollouts_rollout_change", args=[suspended.pk]), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    suspended.refresh_from_db()
    assert suspended.strategy == Strategy.TARGETED
    assert [(link.filter, link.rollout_date.year) for link in suspended.rollout_filters.all()] == [(beta_filter, 2030)]
    assert [(phase.position, int(phase.percentage)) for phase in suspended.phases.all()] == [(0, 5), (1, 100)]
    event = RolloutEvent.objects.filter(rollout=suspended).first()
    assert (event.kind, event.actor) == ("policy_changed", admin_user)
    assert "beta" in event.message


def test_phases_that_shrink_are_refused_on_the_form_and_nothing_changes(admin_client, suspended):
    data = form_data(suspended, strategy="general", phases=[(1, 50, "0"), (2, 10, "0")])

    response = admin_client.post(reverse("admin:rollouts_rollout_change", args=[suspended.pk]), data)

    assert response.status_code == 200
    assert any("Phases never shrink" in str(error) for error in response.context["inline_admin_formsets"][1]
               .formset.non_form_errors())
    suspended.refresh_from_db()
    assert suspended.strategy == Strategy.SUSPENDED
    assert not suspended.phases.exists()


def test_the_same_filter_twice_is_refused_on_the_form(admin_client, suspended, beta_filter):
    data = form_data(suspended, filters=[(beta_filter, ("", "")), (beta_filter, ("", ""))])

    response = admin_client.post(reverse("admin:rollouts_rollout_change", args=[suspended.pk]), data)

    assert response.status_code == 200
    assert not suspended.rollout_filters.exists()


def test_saving_an_unchanged_form_writes_no_event(admin_client, suspended):
    before = RolloutEvent.objects.filter(rollout=suspended).count()

    admin_client.post(reverse("admin:rollouts_rollout_change", args=[suspended.pk]),
                      form_data(suspended, strategy="suspended"))

    assert RolloutEvent.objects.filter(rollout=suspended).count() == before


def test_the_form_sets_the_delivery_options_through_set_policy(admin_client, suspended):
    data = form_data(suspended) | {
        "update_type": "timeforced", "forced_at_0": "2030-01-01", "forced_at_1": "02:00:00",
        "max_attempts": "3", "retry_backoff": "0:20:00", "offers_per_minute": "100",
        "rate_growth_factor": "1.5", "rate_growth_every": "200", "requires_confirmation": "on"}

    response = admin_client.post(reverse("admin:rollouts_rollout_change", args=[suspended.pk]), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    suspended.refresh_from_db()
    assert (suspended.update_type, suspended.forced_at.year, suspended.max_attempts, suspended.offers_per_minute,
            suspended.rate_growth_every, suspended.requires_confirmation) == ("timeforced", 2030, 3, 100, 200, True)
    assert "asks for the device's confirmation" in RolloutEvent.objects.filter(rollout=suspended).first().message


def test_time_forced_without_a_forced_time_is_refused_on_the_form_naming_the_field(admin_client, suspended):
    data = form_data(suspended) | {"update_type": "timeforced"}

    response = admin_client.post(reverse("admin:rollouts_rollout_change", args=[suspended.pk]), data)

    assert response.status_code == 200
    assert "forced_at" in response.context["adminform"].form.errors
    suspended.refresh_from_db()
    assert suspended.update_type != "timeforced"
