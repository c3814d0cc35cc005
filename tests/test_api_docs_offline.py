"""No page of the portal loads anything from outside: /api/docs/ serves Swagger UI from our static files.

The HTML of the API docs and of admin pages is checked for addresses on other hosts;
headless Chromium then renders the API docs with every request off the server refused.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from tests.catalog.test_admin_browser import CHROMIUM, QUIET_CHROMIUM
from tests.factories import ReleaseFactory

# An address on another host: a scheme or a protocol-relative "//host".
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
# Quoted absolute addresses inside inline scripts and styles.
QUOTED_ADDRESS = re.compile(r"""["'(]\s*((?:https?:)?//[^"')\s]+)""", re.IGNORECASE)


class ResourceAddresses(HTMLParser):
    """Every address the page makes the browser fetch: src, link href, and addresses in inline code."""

    def __init__(self):
        super().__init__()
        self.addresses, self._inline = [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("src"):
            self.addresses.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.addresses.append(attributes["href"])
        self._inline = tag in ("script", "style")

    def handle_endtag(self, tag):
        self._inline = False

    def handle_data(self, data):
        if self._inline:
            self.addresses.extend(QUOTED_ADDRESS.findall(data))


def external_addresses(html: str) -> list[str]:
    parser = ResourceAddresses()
    parser.feed(html)
    return [address for address in parser.addresses if EXTERNAL.match(address)]


def test_the_api_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert external_addresses(html) == []
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html


def test_the_resource_check_sees_a_cdn_script():
    assert external_addresses('<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist"></script>') == [
        "https://cdn.jsdelivr.net/npm/swagger-ui-dist"]


@pytest.mark.django_db
def test_admin_pages_load_nothing_from_outside(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0")
    pages = [reverse("admin:index"), reverse("admin:catalog_release_changelist"),
             reverse("admin:catalog_release_change", args=[release.pk]),
             reverse("admin:rollouts_rollout_change", args=[release.rollout.pk]),
             reverse("admin:rollouts_rollout_progress", args=[release.rollout.pk])]

    found = {page: external_addresses(admin_client.get(page).content.decode()) for page in pages}

    assert found == {page: [] for page in pages}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_their_operations_with_the_internet_cut_off(live_server):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver (.ci/run does)")
    from playwright.sync_api import sync_playwright

    refused = []

    def only_our_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET_CHROMIUM)
        try:
            page = browser.new_page()
            page.route("**/*", only_our_server)
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock").count()
        finally:
            browser.close()

    assert operations > 50
    assert refused == []
