"""The console's device pages, structured editors and guided release flow, driven in headless Chromium.

Debian's Chromium through Playwright against the live server (and, for the guided
flow, the S3 server and a real Celery worker). The ORM is used only outside the
Playwright block: inside it an event loop runs on this thread, where Django
refuses synchronous database access. Each test saves the screenshot docs/admin.md shows.
"""

import hashlib
import json
import threading
from contextlib import contextmanager

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse

from catalog.services import artifacts, verification
from devices.models import Device
from rollouts.models import DeviceFilter, DeviceUpdate, RolloutState, Strategy, UpdateStatus
from rollouts.services.dry_run import dry_run
from tests.console.browser import PASSWORD, console, keep_docs_copy
from tests.factories import DeviceFactory, ReleaseFactory
from tests.rollouts.factories import DeviceFilterFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def release_manager(admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    return admin_user


@contextmanager
def logged_in(live_server, user, path):
    """A Chromium page logged into the admin (tests/console/browser.py), showing ``path``.

    A script error on any page it shows fails the test: the editors are scripts.
    """
    script_errors = []
    with console(live_server, user) as (page, _):
        page.on("pageerror", lambda error: script_errors.append(str(error)))
        page.goto(f"{live_server.url}{path}")
        yield page
    assert script_errors == []


def keep_screenshot(screenshot):
    assert screenshot.stat().st_size > 10_000, "the screenshot is blank"
    keep_docs_copy(screenshot)


def shown_uids(page) -> set[str]:
    return set(page.locator("#result_list tbody th.field-uid a").all_inner_texts())


def test_the_device_list_is_searched_and_filtered(live_server, release_manager, product, tmp_path):
    DeviceFactory(uid="plant7-boiler-01", product=product, attributes={"region": "eu"}, tags=["beta"])
    DeviceFactory(uid="plant7-boiler-02", product=product, attributes={"region": "us"}, tags=["beta"])
    DeviceFactory(uid="plant9-attic-01", product=product, attributes={"region": "eu"})
    screenshot = tmp_path / "admin-devices-list.png"

    with logged_in(live_server, release_manager, reverse("admin:devices_device_changelist")) as page:
        everyone = shown_uids(page)
        page.fill("#searchbar", "BOILER")
        page.press("#searchbar", "Enter")
        page.wait_for_url("**q=BOILER**")
        searched = shown_uids(page)
        page.fill("#ota-filter-attr", "region=eu")
        page.press("#ota-filter-attr", "Enter")
        page.wait_for_url("**attr=region**")
        filtered = shown_uids(page)
        page.screenshot(path=str(screenshot), full_page=True)

    assert everyone == {"plant7-boiler-01", "plant7-boiler-02", "plant9-attic-01"}
    assert searched == {"plant7-boiler-01", "plant7-boiler-02"}
    assert filtered == {"plant7-boiler-01"}
    keep_screenshot(screenshot)


def test_the_device_page_shows_its_pending_update_and_explains_it(live_server, release_manager, product,
                                                                  offerable_release, tmp_path):
    release = offerable_release("2.0.0")
    device = DeviceFactory(uid="plant7-boiler-01", product=product, attributes={"region": "eu", "floor": 2},
                           tags=["beta", "basement"], installed_versions={"default": "1.0.0"})
    DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.DOWNLOADING,
                                from_version="1.0.0")
    screenshot = tmp_path / "admin-device-page.png"

    device_page = reverse("admin:devices_device_change", args=[device.pk])
    with logged_in(live_server, release_manager, device_page) as page:
        pending = page.get_attribute(".ota-pending-update .ota-badge", "data-state")
        attributes = page.locator(".field-attributes .ota-kv-table").count() + page.locator(
            ".field-attributes .ota-row").count()
        page.screenshot(path=str(screenshot), full_page=True)
        page.focus(".ota-pending-update a.ota-explain-link")
        page.keyboard.press("Enter")
        page.wait_for_url("**/explain/?device=plant7-boiler-01")
        explained = page.inner_text("#content h2")
        rules = page.locator("table.ota-explain tbody tr").count()

    assert pending == "downloading"
    assert attributes >= 2
    assert explained.startswith("plant7-boiler-01") and "2.0.0" in explained
    assert rules >= 10
    keep_screenshot(screenshot)


def test_the_condition_builder_previews_matching_devices_live(live_server, release_manager, product,
                                                              tmp_path):
    for uid, region in [("eu-1", "eu"), ("eu-2", "eu"), ("us-1", "us")]:
        DeviceFactory(uid=uid, product=product, attributes={"region": region})
    screenshot = tmp_path / "admin-condition-builder.png"

    with logged_in(live_server, release_manager, reverse("admin:rollouts_devicefilter_add")) as page:
        textarea_hidden = page.is_hidden("textarea[name=conditions]")
        page.wait_for_selector(".ota-preview[data-state=counted]")
        everyone = page.get_attribute(".ota-preview", "data-count")
        page.fill("#id_name", "EU boilers")
        page.click(".ota-editor[data-ota-editor=conditions] .ota-add")
        row = page.locator(".ota-condition").first
        row.locator(".ota-field").select_option("attributes")
        row.locator(".ota-key").fill("region")
        row.locator(".ota-op").select_option("eq")
        row.locator(".ota-value").fill("eu")
        page.wait_for_selector(".ota-preview[data-count='2']")
        uids = page.inner_text(".ota-preview-uids")
        first_link = page.get_attribute(".ota-preview-uids a", "href")
        page.screenshot(path=str(screenshot), full_page=True)
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")

    assert textarea_hidden
    assert everyone == "3"
    assert uids == "eu-1, eu-2"
    assert first_link == reverse("admin:devices_device_changelist") + "?q=eu-1"
    assert DeviceFilter.objects.get(name="EU boilers").conditions == [
        {"field": "attributes.region", "op": "eq", "value": "eu"}]
    keep_screenshot(screenshot)


def test_the_key_value_editor_edits_attributes_as_typed_rows(live_server, release_manager, product, tmp_path):
    device = DeviceFactory(uid="plant7-boiler-01", product=product, attributes={"region": "eu"})
    screenshot = tmp_path / "admin-key-value-editor.png"

    device_page = reverse("admin:devices_device_change", args=[device.pk])
    with logged_in(live_server, release_manager, device_page) as page:
        editor = page.locator(".field-attributes .ota-editor")
        editor.locator(".ota-add").click()
        row = editor.locator(".ota-row").last
        row.locator(".ota-key").fill("floor")
        row.locator(".ota-type").select_option("number")
        row.locator(".ota-value").fill("2")
        posted = json.loads(page.input_value("textarea[name=attributes]"))
        page.screenshot(path=str(screenshot), full_page=True)
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")

    assert posted == {"region": "eu", "floor": 2}
    assert Device.objects.get(pk=device.pk).attributes == {"region": "eu", "floor": 2}
    keep_screenshot(screenshot)


def test_the_source_version_picker_ticks_known_versions_and_takes_others(
        live_server, release_manager, product, tmp_path):
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        ReleaseFactory(product=product, version=version)
    release = ReleaseFactory(product=product, version="2.0.0")
    screenshot = tmp_path / "admin-source-versions.png"

    release_page = reverse("admin:catalog_release_change", args=[release.pk])
    with logged_in(live_server, release_manager, release_page) as page:
        offered = page.locator(".ota-version-boxes input[type=checkbox]").evaluate_all(
            "boxes => boxes.map(box => box.value)")
        page.check(".ota-version-boxes input[value='1.1.0']")
        page.check(".ota-version-boxes input[value='1.2.0']")
        page.fill(".ota-version-other", "0.9.0")
        page.press(".ota-version-other", "Enter")  # adds the version; does not submit the form
        page.screenshot(path=str(screenshot), full_page=True)
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")

    assert offered == ["1.2.0", "1.1.0", "1.0.0"]  # not the release's own version
    release.refresh_from_db()
    assert release.allowed_source_versions == ["1.1.0", "1.2.0", "0.9.0"]
    keep_screenshot(screenshot)


def test_the_guided_flow_takes_a_release_from_upload_to_a_started_rollout_by_keyboard(
        live_server, celery_worker, release_manager, product, tmp_path):
    release = ReleaseFactory(product=product, version="2.0.0")
    DeviceFilterFactory(name="EU boilers",
                        conditions=[{"field": "attributes.region", "op": "eq", "value": "eu"}])
    for number in range(8):
        DeviceFactory(uid=f"eu-{number}", product=product, attributes={"region": "eu"},
                      installed_versions={"default": "1.0.0"})
    DeviceFactory(uid="us-1", product=product, attributes={"region": "us"},
                  installed_versions={"default": "1.0.0"})
    firmware = tmp_path / "thermostat-2.0.0.bin"
    firmware.write_bytes(b"thermostat firmware 2.0.0\n" * 4096)
    screenshot = tmp_path / "admin-release-guide.png"
    guide = reverse("admin:catalog_release_guide", args=[release.pk])

    with logged_in(live_server, release_manager, guide) as page:
        page.set_input_files("#step-upload input[type=file]", str(firmware))
        page.focus("#step-upload button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector(".messagelist .success")
        page.evaluate("window.otaNotReloaded = true")
        page.wait_for_selector("#step-verify .ota-badge[data-state=verified]", timeout=60_000)
        not_reloaded = page.evaluate("window.otaNotReloaded === true")

        page.focus("#step-target input[name=strategy][value=targeted]")
        page.keyboard.press("Space")
        page.focus("#step-target input[name=filters]")
        page.keyboard.press("Space")
        page.focus("#step-target button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector("#step-target[data-done=true]")

        page.focus("#id_phases-0-percentage")
        page.keyboard.type("50")
        page.keyboard.press("Tab")
        page.keyboard.type("0:00:00")
        page.focus("#id_phases-1-percentage")
        page.keyboard.type("100")
        page.keyboard.press("Enter")
        page.wait_for_selector("#step-phases[data-done=true]")
        reached = page.inner_text("#step-dry-run h2:nth-of-type(2)")
        dry_run_rows = page.locator("#step-dry-run table.ota-dry-run tbody tr").all_inner_texts()
        page.screenshot(path=str(screenshot), full_page=True)

        page.focus("#step-start a.ota-start-link")
        page.keyboard.press("Enter")
        page.wait_for_url("**/start/?strategy=targeted")
        page.focus("input[type=submit][value=Start]")
        page.keyboard.press("Enter")
        page.wait_for_selector(".messagelist .success")

    assert not_reloaded
    # The EU devices (of nine) whose stable bucket falls inside the first phase's 50 %: as the service counts.
    first_phase = dry_run(release, strategy=Strategy.TARGETED, phase=0).total
    assert reached == f"Who would be offered 2.0.0: {first_phase} device{'' if first_phase == 1 else 's'}"
    assert first_phase == 0 or (len(dry_run_rows) == 1 and "1.0.0" in dry_run_rows[0])
    rollout = release.rollout
    rollout.refresh_from_db()
    assert (rollout.state, rollout.strategy) == (RolloutState.RUNNING, Strategy.TARGETED)
    assert [phase.percentage for phase in rollout.phases.all()] == [50, 100]
    assert [link.filter.name for link in rollout.rollout_filters.all()] == ["EU boilers"]
    keep_screenshot(screenshot)



def test_on_the_add_page_the_picker_follows_the_module_and_json_stays_at_hand(live_server, release_manager,
                                                                              product):
    ReleaseFactory(product=product, version="1.0.0")
    display_app = product.modules.create(name="display-app")
    display = ReleaseFactory(product=product, module=display_app, version="5.0.0")

    with logged_in(live_server, release_manager, reverse("admin:catalog_release_add")) as page:
        before = page.inner_text(".ota-version-boxes")
        page.select_option("#id_module", str(display.module_id))
        offered = page.locator(".ota-version-boxes input[type=checkbox]").evaluate_all(
            "boxes => boxes.map(box => box.value)")
        page.click("summary:has-text('Device payload')")  # a collapsed fieldset
        metadata = page.locator(".field-metadata .ota-editor")
        metadata.locator(".ota-add").click()
        metadata.locator(".ota-key").fill("channel")
        metadata.locator(".ota-value").fill("beta")
        metadata.locator(".ota-toggle").click()
        as_json = page.input_value("textarea[name=metadata]")
        page.fill("textarea[name=metadata]", '{"channel": "stable", "build": 7}')
        metadata.locator(".ota-toggle").click()
        rows = metadata.locator(".ota-row .ota-key").evaluate_all("keys => keys.map(key => key.value)")

    assert "Choose the module first" in before
    assert offered == ["5.0.0"]
    assert json.loads(as_json) == {"channel": "beta"}
    assert rows == ["channel", "build"]



def test_the_release_pages_badge_follows_verification_without_a_reload(live_server, release_manager, product):
    content = b"thermostat firmware 2.0.0\n" * 1024
    release = ReleaseFactory(product=product, version="2.0.0")
    artifact = artifacts.upload(release, ContentFile(content, name="fw.bin"), "fw.bin",
                                declared_sha256=hashlib.sha256(content).hexdigest(),
                                declared_size=len(content))

    def verify_elsewhere():
        """The worker's part, from another thread while the page is open (no worker runs here)."""
        try:
            verification.verify(artifact.pk)
        finally:
            connection.close()

    release_page = reverse("admin:catalog_release_change", args=[release.pk])
    with logged_in(live_server, release_manager, release_page) as page:
        page.evaluate("window.otaNotReloaded = true")
        before = page.get_attribute(".field-artifact_badge .ota-badge", "data-state")
        worker = threading.Thread(target=verify_elsewhere)
        worker.start()
        page.wait_for_selector(".field-artifact_badge .ota-badge[data-state=verified]", timeout=30_000)
        worker.join()
        not_reloaded = page.evaluate("window.otaNotReloaded === true")

    assert before == "pending"
    assert not_reloaded
