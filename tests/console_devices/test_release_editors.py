"""The release page's editors: source versions picked from the module's releases, metadata as key/value."""

import json

import pytest
from django.urls import reverse

from catalog.admin.forms import known_versions_by_module
from tests.factories import ModuleFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def editor_config(page: str, editor: str) -> dict:
    raw = page.split(f'data-ota-editor="{editor}" data-ota-config="')[1].split('"><')[0]
    return json.loads(raw.replace("&quot;", '"'))


def test_the_picker_offers_the_modules_other_versions_newest_first(admin_client, product):
    for version in ("1.0.0", "1.10.0", "1.2.0"):
        ReleaseFactory(product=product, version=version)
    other = ModuleFactory(product=product, name="display-app")
    ReleaseFactory(product=product, module=other, version="9.9.9")
    release = ReleaseFactory(product=product, version="2.0.0")

    page = admin_client.get(reverse("admin:catalog_release_change", args=[release.pk])).content.decode()

    config = editor_config(page, "versions")
    assert config["versions"] == {str(release.module_id): ["1.10.0", "1.2.0", "1.0.0"]}  # not its own
    assert config["max"] == 20 and config["module_field"] == ""


def test_the_add_page_offers_every_modules_versions_to_follow_the_module_select(product):
    default = product.modules.get(name="default")
    display = ModuleFactory(product=product, name="display-app")
    ReleaseFactory(product=product, version="1.0.0")
    ReleaseFactory(product=product, module=display, version="5.0.0")

    assert known_versions_by_module() == {str(default.pk): ["1.0.0"], str(display.pk): ["5.0.0"]}


def test_picked_versions_post_as_the_json_list_the_validator_checks(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0")
    url = reverse("admin:catalog_release_change", args=[release.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "artifact_file"}
    data.update(module=release.module_id, allowed_source_versions='["1.0.0", "not a version"]', metadata="{}",
                specification="")

    refused = admin_client.post(url, data)
    data["allowed_source_versions"] = '["1.0.0", "1.1.0"]'
    accepted = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "allowed_source_versions" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    release.refresh_from_db()
    assert release.allowed_source_versions == ["1.0.0", "1.1.0"]


def test_metadata_shows_as_a_key_value_table_and_editor(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0", metadata={"channel": "beta", "build": 41})

    page = admin_client.get(reverse("admin:catalog_release_change", args=[release.pk])).content.decode()

    assert '<th scope="row">build</th><td>41</td>' in page
    assert '<th scope="row">channel</th><td>beta</td>' in page
    assert 'data-ota-editor="keyvalue"' in page
