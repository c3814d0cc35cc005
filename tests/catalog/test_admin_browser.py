"""The release manager's path in a real browser: log in, upload an artifact, watch it get verified.

Headless Debian Chromium driven by Playwright, against the live server, the S3
server and a real Celery worker. The ORM is used only outside the Playwright
block: inside it an event loop runs on this thread, where Django refuses
synchronous database access.
"""

import hashlib
import os
import shutil
import time
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.choices import ArtifactState
from catalog.models import Artifact
from tests.factories import ReleaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
QUIET_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "admin-release-verified.png"
PASSWORD = "release-manager-password"
BADGE = ".field-artifact_badge .ota-badge"


@pytest.fixture
def release_manager(admin_user):
    admin_user.set_password(PASSWORD)
    admin_user.save()
    return admin_user


def keep_docs_copy(screenshot: Path):
    """docs/ shows this screenshot; it is written when missing, or again with OTA_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("OTA_UPDATE_SCREENSHOTS") == "1" or not DOCS_SCREENSHOT.exists():
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, DOCS_SCREENSHOT)


def test_uploaded_artifact_turns_verified_in_the_admin(live_server, celery_worker, release_manager, product,
                                                         tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver (.ci/run does)")
    from playwright.sync_api import sync_playwright

    content = b"thermostat firmware 1.4.0\n" * 4096
    firmware = tmp_path / "thermostat-1.4.0.bin"
    firmware.write_bytes(content)
    release = ReleaseFactory(product=product, version="1.4.0", release_notes="Adaptive heating schedule.",
                             min_agent_version="1.2.0", declared_sha256=hashlib.sha256(content).hexdigest())
    change_url = live_server.url + reverse("admin:catalog_release_change", args=[release.pk])
    screenshot = tmp_path / "admin-release-verified.png"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET_CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{live_server.url}{reverse('admin:login')}?next={change_url[len(live_server.url):]}")
            page.fill("#id_username", release_manager.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_url(change_url)
            badge_before = page.get_attribute(BADGE, "data-state")

            page.set_input_files("input[name=artifact_file]", str(firmware))
            page.click("input[name=_continue]")
            page.wait_for_selector(".messagelist .success")
            deadline = time.monotonic() + 60
            while page.get_attribute(BADGE, "data-state") != "verified" and time.monotonic() < deadline:
                time.sleep(0.5)
                page.reload()
            badge_after = page.get_attribute(BADGE, "data-state")
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()

    assert badge_before == "none"
    assert badge_after == "verified"
    artifact = Artifact.objects.get(release=release)
    assert artifact.state == ArtifactState.VERIFIED
    assert artifact.sha256 == hashlib.sha256(content).hexdigest()
    assert screenshot.stat().st_size > 10_000
    keep_docs_copy(screenshot)
