"""The progress page's buttons: POST-only views calling the core's transitions, logged and reported."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from rollouts.models import DeviceUpdate, RolloutEvent, RolloutState, UpdateStatus

from .conftest import page

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_pause_pauses_the_rollout_records_who_did_it_and_says_so(admin_client, admin_user, running):
    response = admin_client.post(page("pause", running), follow=True)

    running.refresh_from_db()
    assert running.state == RolloutState.PAUSED
    assert running.state_reason == "paused in the admin by admin"
    event = RolloutEvent.objects.filter(rollout=running).first()
    assert (event.kind, event.actor) == ("paused", admin_user)
    assert LogEntry.objects.get(object_id=str(running.pk)).change_message == "Paused the rollout."
    assert "thermostat/default 2.0.0: paused." in messages_of(response)


def test_pause_answers_only_posts(admin_client, running):
    response = admin_client.get(page("pause", running))

    assert response.status_code == 405
    running.refresh_from_db()
    assert running.state == RolloutState.RUNNING


def test_resume_resumes_a_paused_rollout(admin_client, running):
    admin_client.post(page("pause", running))

    admin_client.post(page("resume", running))

    running.refresh_from_db()
    assert running.state == RolloutState.RUNNING
    assert RolloutEvent.objects.filter(rollout=running).first().kind == "resumed"


def test_resume_of_an_aborted_rollout_is_refused_with_a_message(admin_client, running):
    admin_client.post(page("abort", running), {"reason": "bad build"})

    response = admin_client.post(page("resume", running), follow=True)

    running.refresh_from_db()
    assert running.state == RolloutState.ABORTED
    assert any("Only a paused rollout resumes" in message for message in messages_of(response))


def test_abort_asks_for_a_reason_first(admin_client, running):
    response = admin_client.get(page("abort", running))

    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    running.refresh_from_db()
    assert running.state == RolloutState.RUNNING


def test_abort_without_reason_changes_nothing(admin_client, running):
    response = admin_client.post(page("abort", running), {"reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    running.refresh_from_db()
    assert running.state == RolloutState.RUNNING


def test_abort_with_a_reason_aborts_and_cancels_open_offers(admin_client, running, updates_of):
    offered = updates_of(running, UpdateStatus.OFFERED)[0]

    admin_client.post(page("abort", running), {"reason": "boot loop on rev B"})

    running.refresh_from_db()
    assert (running.state, running.state_reason) == (RolloutState.ABORTED, "boot loop on rev B")
    assert DeviceUpdate.objects.get(pk=offered.pk).status == UpdateStatus.CANCELED


def test_advance_without_force_is_refused_while_the_phase_soaks(admin_client, running):
    response = admin_client.post(page("advance", running), follow=True)

    running.refresh_from_db()
    assert running.current_phase == 0
    assert any("cannot end yet" in message for message in messages_of(response))


def test_advance_shows_what_holds_the_phase_back_and_who_the_next_reaches(admin_client, running, device):
    response = admin_client.get(page("advance", running))

    assert any("soaks until" in blocker for blocker in response.context["blockers"])
    assert response.context["following"].position == 1
    assert response.context["result"].total == 1


def test_forced_advance_widens_to_the_next_phase(admin_client, running):
    admin_client.post(page("advance", running), {"force": "on"})

    running.refresh_from_db()
    assert running.current_phase == 1
    assert "(forced)" in RolloutEvent.objects.filter(rollout=running).first().message


def test_start_shows_the_dry_run_then_starts(admin_client, offerable_release, device):
    rollout = offerable_release("3.0.0", strategy="suspended").rollout

    preview = admin_client.get(page("start", rollout, "strategy=general"))
    admin_client.post(page("start", rollout), {"strategy": "general"})

    assert preview.context["result"].total == 1
    rollout.refresh_from_db()
    assert (rollout.strategy, rollout.state) == ("general", RolloutState.RUNNING)
    assert RolloutEvent.objects.filter(rollout=rollout).first().kind == "started"


def test_buttons_shown_follow_the_state(admin_client, running):
    labels = [button["label"] for button in admin_client.get(page("progress", running)).context[
        "object_action_buttons"]]

    assert labels == ["Advance phase", "Pause", "Abort"]
    assert reverse("admin:rollouts_rollout_pause", args=[running.pk]) in [
        button["url"] for button in admin_client.get(page("progress", running)).context["object_action_buttons"]]
