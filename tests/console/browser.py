"""Driving the console in headless Debian Chromium (as tests/catalog/test_admin_browser.py does).

The ORM is used only outside the Playwright block, or from another thread: inside
it an event loop runs on this thread, where Django refuses synchronous database access.
"""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

CHROMIUM = "/usr/bin/chromium"
QUIET_CHROMIUM = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
PASSWORD = "release-manager-password"


def keep_docs_copy(screenshot: Path):
    """docs/admin.md shows this screenshot; written when missing, or again with OTA_UPDATE_SCREENSHOTS=1."""
    target = DOCS_IMAGES / screenshot.name
    if os.environ.get("OTA_UPDATE_SCREENSHOTS") == "1" or not target.exists():
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, target)


@contextmanager
def console(live_server, user, *, width=1400, height=1000):
    """A logged-in Chromium page on the live server, and the hosts it sent requests to."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET_CHROMIUM)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            hosts = set()
            page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
            page.goto(live_server.url + reverse("admin:login"))
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("input[type=submit]")
            page.wait_for_selector("#site-name")
            yield page, hosts
        finally:
            browser.close()
