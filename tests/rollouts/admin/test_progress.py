"""The progress page: counts and bars per state and per phase, recent failures with reasons, few queries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollouts.models import UpdateStatus, UpdateType

from .conftest import page

pytestmark = pytest.mark.django_db


def test_progress_counts_updates_per_state(admin_client, running, updates_of):
    updates_of(running, UpdateStatus.COMMITTED, count=3)
    updates_of(running, UpdateStatus.FAILED, count=1, reason="checksum")

    response = admin_client.get(page("progress", running))

    counts = {row["status"]: row["count"] for row in response.context["status_bars"]}
    assert counts["committed"] == 3
    assert counts["failed"] == 1
    assert counts["offered"] == 0
    shares = {row["status"]: row["share"] for row in response.context["status_bars"]}
    assert shares["committed"] == 75
    assert b'data-status="committed"' in response.content


def test_progress_shows_each_phase_with_its_outcomes_and_marks_the_one_in_force(admin_client, running, updates_of):
    updates_of(running, UpdateStatus.COMMITTED, count=9, phase=0)
    updates_of(running, UpdateStatus.ROLLED_BACK, count=1, phase=0)

    rows = admin_client.get(page("progress", running)).context["phase_rows"]

    assert [(row.number, row.in_force) for row in rows] == [(1, True), (2, False)]
    assert rows[0].outcomes.total == 10
    assert rows[0].outcomes.failure_rate == 10
    assert rows[1].outcomes.total == 0
    assert 'title="Rolled back: 1"' in str(rows[0].bar)


def test_progress_lists_recent_failures_with_their_reasons(admin_client, running, updates_of):
    failed = updates_of(running, UpdateStatus.FAILED, reason="signature check failed")[0]
    updates_of(running, UpdateStatus.ROLLED_BACK, reason="health check timed out")
    updates_of(running, UpdateStatus.COMMITTED)

    response = admin_client.get(page("progress", running))

    reasons = [failure["update"].reason for failure in response.context["failures"]]
    assert sorted(reasons) == ["health check timed out", "signature check failed"]
    assert failed.device.uid.encode() in response.content


def test_progress_shows_the_recent_events_of_the_rollout(admin_client, running):
    response = admin_client.get(page("progress", running))

    assert [event.kind for event in response.context["events"]][:2] == ["started", "policy_changed"]


def test_progress_takes_the_same_number_of_queries_for_few_and_many_updates(admin_client, running, updates_of):
    def queries_with(total):
        missing = total - running.release.device_updates.count()
        updates_of(running, UpdateStatus.FAILED, count=missing // 2, reason="x")
        updates_of(running, UpdateStatus.COMMITTED, count=missing - missing // 2)
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(page("progress", running)).status_code == 200
        return len(queries)

    assert queries_with(4) == queries_with(60)


def test_explain_lists_each_rule_and_names_the_one_that_fails(admin_client, offerable_release, product):
    from tests.factories import DeviceFactory

    everyone = offerable_release("2.0.0", min_agent_version="1.0.0").rollout
    old_agent = DeviceFactory(product=product, uid="old-agent", agent_version="0.1.0",
                              installed_versions={"default": "1.0.0"})

    response = admin_client.get(page("explain", everyone, f"device={old_agent.uid}"))

    explanation = response.context["explanation"]
    assert explanation.offered is False
    assert [result.rule for result in explanation.failed] == ["agent version"]
    assert b"does not get 2.0.0" in response.content


def test_explain_of_an_unknown_device_says_so_on_the_form(admin_client, running):
    response = admin_client.get(page("explain", running, "device=nobody"))

    assert response.context["form"].errors["device"] == ["No device has the uid 'nobody'."]


def test_dry_run_counts_who_would_be_offered_by_version_and_phase(admin_client, running, product):
    from tests.factories import DeviceFactory

    for version in ("1.0.0", "1.0.0", "1.5.0"):
        DeviceFactory(product=product, installed_versions={"default": version})

    result = admin_client.get(page("dry_run", running, "percentage=100")).context["result"]

    per_version = {}
    for row in result.rows:
        per_version[row.installed_version] = per_version.get(row.installed_version, 0) + row.devices
    assert result.total == 3
    assert per_version == {"1.0.0": 2, "1.5.0": 1}
    assert {row.phase for row in result.rows} <= {0, 1}


def test_progress_shows_how_the_rollout_delivers_its_release(admin_client, running):
    running.update_type, running.forced_at = UpdateType.TIMEFORCED, datetime(2030, 1, 1, 2, tzinfo=UTC)
    running.download_timeout, running.requires_confirmation = timedelta(hours=2), True
    running.save()

    page_text = admin_client.get(page("progress", running)).content.decode()

    assert ("Action type timeforced (forced from 2030-01-01T02:00:00+00:00); download timeout 2:00:00; "
            "asks for the device&#x27;s confirmation.") in page_text
