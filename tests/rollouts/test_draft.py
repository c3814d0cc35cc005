"""A rollout starts as a draft: editing its policy offers nothing to anyone; only Start makes it live."""

from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from rollouts.decision import decide, explain
from rollouts.models import EventKind, Rollout, RolloutState, Strategy
from rollouts.services import transitions
from tests.rollouts.admin.test_policy_form import form_data
from tests.rollouts.test_commands import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(offerable_release):
    """A release with a verified file whose rollout was never started."""
    return offerable_release("2.0.0", strategy=Strategy.SUSPENDED).rollout


def test_a_new_release_gets_a_draft_rollout(draft):
    assert (draft.state, draft.strategy) == (RolloutState.DRAFT, Strategy.SUSPENDED)


def test_a_draft_set_to_general_offers_nothing_and_starts_no_phase(draft, device):
    rollout = transitions.set_policy(draft, strategy=Strategy.GENERAL)

    assert (rollout.state, rollout.phase_started_at) == (RolloutState.DRAFT, None)
    assert decide(device) is None
    event = rollout.events.first()
    assert (event.kind, event.message.startswith("draft, not started")) == (EventKind.POLICY_CHANGED, True)


def test_explain_says_the_draft_is_not_started(draft, device):
    transitions.set_policy(draft, strategy=Strategy.GENERAL)

    failed = explain(device, draft.release).failed

    assert [(result.rule, result.detail) for result in failed] == [
        ("rollout state", "the rollout is a draft: nobody gets it until it is started")]


def test_start_makes_a_draft_live(draft, device):
    transitions.set_policy(draft, strategy=Strategy.GENERAL)

    rollout = transitions.start(draft, strategy=Strategy.GENERAL)

    assert rollout.state == RolloutState.RUNNING
    assert rollout.phase_started_at is not None
    assert decide(device).release.version == "2.0.0"


def test_saving_a_draft_targeted_in_the_admin_keeps_it_a_draft(admin_client, draft, device):
    response = admin_client.post(reverse("admin:rollouts_rollout_change", args=[draft.pk]),
                                 form_data(draft, strategy="general"))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.strategy, draft.state) == (Strategy.GENERAL, RolloutState.DRAFT)
    assert decide(device) is None


def test_the_admin_offers_start_on_a_draft_whatever_its_strategy(admin_client, draft):
    transitions.set_policy(draft, strategy=Strategy.GENERAL)

    page = admin_client.get(reverse("admin:rollouts_rollout_change", args=[draft.pk]))

    assert reverse("admin:rollouts_rollout_start", args=[draft.pk]) in page.content.decode()
    assert "This rollout is a draft" in page.content.decode()


def test_patching_a_drafts_strategy_through_the_api_keeps_it_a_draft(api, draft, device):
    response = api.patch(f"/api/v1/rollouts/{draft.release_id}", {"strategy": "general"}, format="json")

    assert response.status_code == 200
    assert (response.json()["strategy"], response.json()["state"]) == ("general", "draft")
    assert decide(device) is None


def test_the_migration_makes_never_started_rollouts_drafts_and_keeps_started_ones(offerable_release):
    never = offerable_release("2.0.0", strategy=Strategy.SUSPENDED).rollout
    started = offerable_release("2.1.0").rollout
    stopped = offerable_release("2.2.0").rollout
    transitions.set_policy(stopped, strategy=Strategy.SUSPENDED)
    Rollout.objects.update(state=RolloutState.RUNNING)  # as every rollout was before drafts existed
    migration = import_module("rollouts.migrations.0006_draft_state")

    migration.drafts_from_unstarted(apps, None)

    states = dict(Rollout.objects.values_list("pk", "state"))
    assert [states[never.pk], states[started.pk], states[stopped.pk]] == ["draft", "running", "running"]


def test_the_migration_keeps_a_rollout_with_a_started_event_running(offerable_release):
    rollout = offerable_release("2.0.0").rollout
    Rollout.objects.filter(pk=rollout.pk).update(strategy=Strategy.SUSPENDED, phase_started_at=None,
                                                 updated_at=timezone.now())
    migration = import_module("rollouts.migrations.0006_draft_state")

    migration.drafts_from_unstarted(apps, None)

    assert Rollout.objects.get(pk=rollout.pk).state == RolloutState.RUNNING


def test_rollout_status_shows_a_draft_as_draft(draft):
    transitions.set_policy(draft, strategy=Strategy.GENERAL)

    row = run("rollout_status").splitlines()[1]

    assert row.split()[:3] == ["thermostat:default:2.0.0", "general", "draft"]
