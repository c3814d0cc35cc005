"""A rollout's progress page: denominators, every count a link to the updates it counts, the phase's soak
countdown, the states over time; and the device updates list filters those links use."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rollouts.admin.progress import readable
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.services.timeline import timeline_of

pytestmark = pytest.mark.django_db
S = UpdateStatus
UPDATES = reverse("admin:rollouts_deviceupdate_changelist")


def progress_of(client, rollout):
    response = client.get(reverse("admin:rollouts_rollout_progress", args=[rollout.pk]))
    assert response.status_code == 200
    return response


def listed(client, url) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["cl"].queryset)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_phase_in_force_gives_its_counts_with_their_denominator(admin_client, running, updates_of):
    updates_of(running, S.COMMITTED, count=3)
    updates_of(running, S.FAILED, count=1)
    updates_of(running, S.DOWNLOADING, count=3)
    updates_of(running, S.COMMITTED, count=2, phase=1)

    text = text_of(progress_of(admin_client, running))

    assert "Phase 1 of 2, 10 % of the eligible devices: 3 of 7 offered in phase 1 succeeded, 1 failed" in text


def test_each_phase_count_links_to_exactly_the_updates_it_counts(admin_client, running, updates_of):
    succeeded = updates_of(running, S.COMMITTED, count=3)
    failed = updates_of(running, S.ROLLED_BACK, count=1)
    waiting = updates_of(running, S.OFFERED, count=2)
    later_phase = updates_of(running, S.FAILED, count=2, phase=1)

    first, second = progress_of(admin_client, running).context["phase_rows"]

    def ids(updates):
        return {update.pk for update in updates}

    assert ids(listed(admin_client, first.offered_url)) == ids(succeeded + failed + waiting)
    assert ids(listed(admin_client, first.succeeded_url)) == ids(succeeded)
    assert ids(listed(admin_client, first.failed_url)) == ids(failed)
    assert ids(listed(admin_client, second.failed_url)) == ids(later_phase)


def test_each_state_count_and_each_recent_failure_link_to_their_updates(admin_client, running, updates_of,
                                                                       offerable_release):
    committed = updates_of(running, S.COMMITTED, count=2)
    failed = updates_of(running, S.FAILED, count=1, reason="bad signature")[0]
    other_release = offerable_release("3.0.0").rollout
    updates_of(other_release, S.COMMITTED, count=2)

    response = progress_of(admin_client, running)

    rows = {row["status"]: row for row in response.context["status_bars"]}
    assert {update.pk for update in listed(admin_client, rows["committed"]["url"])} == {u.pk for u in committed}
    assert listed(admin_client, rows["offered"]["url"]) == []
    failure, = response.context["failures"]
    assert [update.pk for update in listed(admin_client, failure["url"])] == [failed.pk]
    assert len(listed(admin_client, response.context["update_links"]["all"])) == 3


def test_the_soak_time_left_is_counted_down_in_words(admin_client, running):
    running.phase_started_at = timezone.now() - timedelta(minutes=20)
    running.save()

    response = progress_of(admin_client, running)

    assert response.context["soak_left"] in ("39 min 59 s", "40 min 0 s")
    ends = response.context["soak"].ends_at
    assert f'data-soak-ends="{ends.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize("span, words", [
    (timedelta(days=2, hours=3, minutes=4), "2 d 3 h"),
    (timedelta(hours=3, minutes=12, seconds=5), "3 h 12 min"),
    (timedelta(minutes=4, seconds=10), "4 min 10 s"),
    (timedelta(seconds=9), "9 s"),
    (timedelta(0), "0 s"),
])
def test_a_countdown_reads_in_its_two_largest_units(span, words):
    assert readable(span) == words


def test_a_finished_soak_says_the_phase_may_advance(admin_client, running):
    running.phase_started_at = timezone.now() - timedelta(hours=2)
    running.save()

    assert "Soak time over since" in text_of(progress_of(admin_client, running))


def test_the_states_over_time_accumulate_offers_and_outcomes_by_hour(running, updates_of):
    now = timezone.now().replace(minute=30, second=0, microsecond=0)
    first, second, third = updates_of(running, S.OFFERED, count=3)
    at = {first.pk: (5, S.COMMITTED, 4), second.pk: (5, S.FAILED, 3), third.pk: (2, S.OFFERED, 2)}
    for pk, (offered_hours_ago, status, changed_hours_ago) in at.items():
        DeviceUpdate.objects.filter(pk=pk).update(status=status, offered_at=now - timedelta(hours=offered_hours_ago),
                                                  updated_at=now - timedelta(hours=changed_hours_ago))

    timeline = timeline_of(running.release_id, now)

    assert timeline.moments[0] == now.replace(minute=0) - timedelta(hours=5)
    assert timeline.moments[1:] == [now.replace(minute=0) - timedelta(hours=hours) for hours in (4, 3, 2, 1, 0)] + [now]
    assert timeline.in_progress == [0, 2, 1, 0, 1, 1, 1]
    assert timeline.succeeded == [0, 0, 1, 1, 1, 1, 1]
    assert timeline.failed == [0, 0, 0, 1, 1, 1, 1]


def test_the_page_draws_the_states_over_time_as_inline_svg(admin_client, running, updates_of):
    updates_of(running, S.COMMITTED, count=2)

    content = progress_of(admin_client, running).content.decode()

    assert '<svg class="ota-chart ota-chart-area"' in content
    assert "<title>Succeeded: 2 now</title>" in content


def test_the_device_updates_list_numbers_phases_from_1(admin_client, running, updates_of):
    updates_of(running, S.COMMITTED, count=1, phase=1)

    response = admin_client.get(UPDATES)

    assert '<td class="field-phase_number">2</td>' in response.content.decode()


@pytest.mark.parametrize("query", ["phase=0", "phase=x", "release=not-a-release"])
def test_the_device_updates_list_refuses_a_filter_value_it_cannot_read(admin_client, query):
    response = admin_client.get(f"{UPDATES}?{query}")

    assert response.status_code == 302
    assert response.url.endswith("?e=1")
