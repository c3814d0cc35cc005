"""The console's pages in headless Chromium: the dashboard, the rollouts overview and a progress page.

Each test saves a screenshot that docs/admin.md shows (docs/images/console-*.png).
"""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from rollouts.models import DeviceUpdate, Rollout, UpdateStatus
from rollouts.services import transitions
from tests.factories import DeviceFactory, ProductFactory

from .browser import PASSWORD, console, keep_docs_copy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
S = UpdateStatus


@pytest.fixture
def release_manager(admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    return admin_user


@pytest.fixture
def busy_fleet(product, offerable_release, updates_of):
    """Two products on several versions, three live rollouts (one paused by its threshold) with updates."""
    gateway = ProductFactory(key="gateway", name="Edge gateway")
    for index in range(24):
        DeviceFactory(product=product, installed_versions={"default": f"1.{index % 3}.0", "app": "4.1.0"})
    for index in range(9):
        DeviceFactory(product=gateway, installed_versions={"default": "2.0.0" if index % 3 else "1.9.0"})
    phased = offerable_release("2.0.0").rollout
    transitions.set_policy(phased, phases=[transitions.PhaseSpec(10, timedelta(hours=6)),
                                           transitions.PhaseSpec(50, timedelta(hours=6)), transitions.PhaseSpec(100)])
    updates_of(phased, S.COMMITTED, count=6)
    updates_of(phased, S.INSTALLING, count=3)
    updates_of(phased, S.FAILED, count=1, reason="signature check failed")
    now = timezone.now()
    for hours_ago, update in enumerate(DeviceUpdate.objects.filter(release=phased.release).order_by("-id")):
        # Offered over the last ten hours, each reaching its state 40 minutes later: a chart worth reading.
        offered = now - timedelta(hours=hours_ago)
        DeviceUpdate.objects.filter(pk=update.pk).update(offered_at=offered,
                                                         updated_at=min(offered + timedelta(minutes=40), now))
    paused = offerable_release("2.1.0-rc.1", release_notes="Release candidate").rollout
    transitions.set_policy(paused, phases=[transitions.PhaseSpec(5), transitions.PhaseSpec(100)])
    updates_of(paused, S.ROLLED_BACK, count=2, reason="watchdog reset after boot")
    DeviceUpdate.objects.filter(release=paused.release).update(finished_at=timezone.now())
    transitions.pause(paused, "failure threshold crossed in phase 1 (5 %): 2 of 2 outcomes failed, rolled back or "
                              "timed out (100.0 % > 5 %); last: rolled_back (watchdog reset after boot)",
                      automatic=True)
    offerable_release("1.9.1", product=gateway)
    return {"phased": phased, "paused": paused}


def test_the_dashboard_shows_the_fleet_live_rollouts_and_what_needs_attention(live_server, release_manager,
                                                                              busy_fleet, tmp_path):
    screenshot = tmp_path / "console-dashboard.png"

    with console(live_server, release_manager) as (page, hosts):
        page.goto(live_server.url + reverse("admin:index"))
        attention = page.inner_text("#ota-attention")
        live = page.inner_text("#ota-live-rollouts")
        bars = page.locator("#ota-fleet svg.ota-chart-bar").count()
        page.screenshot(path=str(screenshot), full_page=True)
        page.click('#ota-fleet [data-version="default=1.1.0"]')
        page.wait_for_selector("#result_list")
        listed = page.locator("#result_list tbody tr").count()

    assert "1 rollout paused automatically" in attention
    assert "watchdog reset after boot" in attention
    assert "2 device updates failed or rolled back in the last 24 h" in attention
    assert "1 of 3 (10 %)" in live
    assert bars == 3  # thermostat default and app, gateway default
    assert listed == 8
    assert hosts == {live_server.url.removeprefix("http://")}
    keep_docs_copy(screenshot)


def test_the_rollouts_overview_fits_1400_pixels(live_server, release_manager, busy_fleet, tmp_path):
    screenshot = tmp_path / "console-rollouts.png"

    with console(live_server, release_manager, width=1400) as (page, hosts):
        page.goto(live_server.url + reverse("admin:rollouts_rollout_changelist"))
        widths = page.evaluate("""() => [document.documentElement, document.querySelector('#changelist .results')]
            .map(element => [element.scrollWidth, element.clientWidth])""")
        headers = page.locator("#result_list thead th").all_inner_texts()
        page.screenshot(path=str(screenshot), full_page=True)

    assert all(scroll <= client for scroll, client in widths), widths
    assert [header.strip().lower() for header in headers] == [
        "release", "state", "phase", "installed", "success / failure"]
    keep_docs_copy(screenshot)


def test_the_progress_page_refreshes_its_counts_in_place_and_keeps_the_scroll(live_server, release_manager,
                                                                              busy_fleet, tmp_path, monkeypatch):
    phased = busy_fleet["phased"]
    url = live_server.url + reverse("admin:rollouts_rollout_progress", args=[phased.pk])
    # Under two minutes of soak left, so the countdown's seconds show and tick.
    Rollout.objects.filter(pk=phased.pk).update(phase_started_at=timezone.now() - timedelta(hours=5, minutes=58))
    screenshot = tmp_path / "console-progress.png"

    def one_more_failure_pauses_it():
        # Another thread: this one runs Playwright's event loop, where Django refuses the ORM.
        try:
            device = DeviceFactory(uid="late-failure", installed_versions={"default": "1.0.0"},
                                   product=phased.release.product)
            DeviceUpdate.objects.create(device=device, release=phased.release, status=S.FAILED, reason="late")
            transitions.pause(phased, "failure threshold crossed in phase 1", automatic=True)
        finally:
            connection.close()

    with console(live_server, release_manager, height=700) as (page, hosts):
        page.goto(url)
        page.screenshot(path=str(screenshot), full_page=True)
        monkeypatch.setattr("rollouts.admin.progress.REFRESH_SECONDS", 1)  # the test need not wait 30 s
        page.goto(url)
        before = page.inner_text("[data-phase-in-force]")
        countdown = page.inner_text(".ota-countdown")
        page.wait_for_function(f"document.querySelector('.ota-countdown').textContent !== {countdown!r}",
                               timeout=5_000)
        ticked = page.inner_text(".ota-countdown")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        scrolled = page.evaluate("window.scrollY")
        buttons_before = page.locator(".object-tools").inner_text()
        writer = threading.Thread(target=one_more_failure_pauses_it)
        writer.start()
        writer.join()
        # The failure is written before the pause: once the page shows the pause, it shows the failure too.
        page.wait_for_selector("#ota-live .ota-badge[data-state=paused]", timeout=10_000)
        after = page.inner_text("[data-phase-in-force]")
        state_after = page.get_attribute("#ota-live .ota-badge[data-state=paused]", "data-state")
        buttons_after = page.locator(".object-tools").inner_text()
        still = page.evaluate("window.scrollY")

    assert "6 of 10 offered in phase 1 succeeded, 1 failed" in before
    assert "6 of 11 offered in phase 1 succeeded, 2 failed" in after
    assert scrolled > 0 and still == scrolled
    assert "PAUSE" in buttons_before.upper() and "RESUME" not in buttons_before.upper()
    assert state_after == "paused" and "RESUME" in buttons_after.upper()
    assert re.fullmatch(r"1 min \d+ s", countdown), countdown
    assert re.fullmatch(r"1 min \d+ s", ticked), ticked  # the script words it as the server does
    assert hosts == {live_server.url.removeprefix("http://")}
    keep_docs_copy(screenshot)
