"""Every rollouts admin page answers a superuser, and refuses whoever is not staff or lacks permission."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from rollouts.models import RolloutEvent, UpdateStatus
from rollouts.services import transitions
from tests.factories import UserFactory

from .conftest import page

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(running, updates_of, beta_filter, device):
    update = updates_of(running, UpdateStatus.FAILED, reason="disk full")[0]
    event = RolloutEvent.objects.filter(rollout=running).first()
    return [
        reverse("admin:rollouts_rollout_changelist"),
        reverse("admin:rollouts_rollout_change", args=[running.pk]),
        page("progress", running),
        page("dry_run", running),
        page("dry_run", running, "percentage=50", "strategy=targeted"),
        page("explain", running),
        page("explain", running, f"device={device.uid}"),
        page("abort", running),
        page("advance", running),
        reverse("admin:rollouts_devicefilter_changelist"),
        reverse("admin:rollouts_devicefilter_add"),
        reverse("admin:rollouts_devicefilter_change", args=[beta_filter.pk]),
        reverse("admin:rollouts_rolloutevent_changelist"),
        reverse("admin:rollouts_rolloutevent_change", args=[event.pk]),
        reverse("admin:rollouts_deviceupdate_changelist"),
        reverse("admin:rollouts_deviceupdate_change", args=[update.pk]),
        reverse("admin:rollouts_deviceupdate_changelist") + "?q=dev&status__exact=failed",
        reverse("admin:rollouts_rolloutevent_changelist") + "?q=started",
        reverse("admin:rollouts_rollout_changelist") + "?q=2.0&state__exact=running",
    ]


def test_every_page_answers_200_for_a_superuser(admin_client, pages):
    for url in pages:
        response = admin_client.get(url)

        assert response.status_code == 200, url


def test_the_start_page_answers_for_a_suspended_rollout(admin_client, offerable_release):
    rollout = offerable_release("3.0.0", strategy="suspended").rollout

    response = admin_client.get(page("start", rollout))

    assert response.status_code == 200
    assert b"Who would be offered 3.0.0" in response.content


def test_a_logged_in_user_who_is_not_staff_is_sent_to_the_login_page(client, pages):
    client.force_login(UserFactory(username="visitor", is_staff=False))

    for url in pages:
        response = client.get(url)

        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_anonymous_posts_to_the_buttons_change_nothing(client, running):
    for name in ("pause", "abort", "advance"):
        response = client.post(page(name, running), {"reason": "no"})

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    running.refresh_from_db()
    assert running.state == "running"


def test_staff_without_permissions_is_refused_the_rollout_pages(client, running):
    client.force_login(UserFactory(username="clerk", is_staff=True))

    assert client.get(page("progress", running)).status_code == 403
    assert client.post(page("pause", running)).status_code == 403
    running.refresh_from_db()
    assert running.state == "running"


def test_staff_with_view_permission_sees_progress_but_no_buttons(client, running):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_rollout"))
    client.force_login(viewer)

    response = client.get(page("progress", running))

    assert response.status_code == 200
    assert response.context["object_action_buttons"] == []
    assert client.post(page("pause", running)).status_code == 403


def test_explaining_needs_the_device_view_permission_too(client, running, device):
    viewer = UserFactory(username="viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_rollout"))
    client.force_login(viewer)

    response = client.get(page("explain", running, f"device={device.uid}"))

    assert response.status_code == 403


def test_rollouts_cannot_be_added_or_deleted_in_the_admin(admin_client, running):
    assert admin_client.get(reverse("admin:rollouts_rollout_add")).status_code == 403
    assert admin_client.get(reverse("admin:rollouts_rollout_delete", args=[running.pk])).status_code == 403


def test_events_and_device_updates_are_read_only(admin_client, running, updates_of):
    update = updates_of(running, UpdateStatus.FAILED)[0]

    response = admin_client.post(reverse("admin:rollouts_deviceupdate_change", args=[update.pk]),
                                 {"status": "committed"})

    assert response.status_code == 403
    update.refresh_from_db()
    assert update.status == UpdateStatus.FAILED
    assert admin_client.get(reverse("admin:rollouts_rolloutevent_add")).status_code == 403


def test_the_release_page_links_to_its_rollout(admin_client, running):
    response = admin_client.get(reverse("admin:catalog_release_change", args=[running.release.pk]))

    assert reverse("admin:rollouts_rollout_change", args=[running.pk]) in response.content.decode()


def test_the_release_page_hides_the_rollout_link_from_staff_who_may_not_see_rollouts(client, running):
    staff = UserFactory(username="release-manager", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_release"))
    client.force_login(staff)

    response = client.get(reverse("admin:catalog_release_change", args=[running.release.pk]))

    assert response.status_code == 200
    assert reverse("admin:rollouts_rollout_change", args=[running.pk]) not in response.content.decode()


def test_the_release_page_shows_its_rollout_policy_filters_and_phases(admin_client, running, beta_filter):
    transitions.set_policy(running, filters=[transitions.FilterSpec(beta_filter)])

    page_html = admin_client.get(reverse("admin:catalog_release_change", args=[running.release.pk])).content.decode()

    assert "Rollout policy" in page_html
    assert beta_filter.name in page_html
    assert "10 %" in page_html and "100 %" in page_html and "in force" in page_html
