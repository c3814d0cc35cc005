"""Every catalog admin page answers, shows what it should, and refuses those who may not see it."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import (AccessKey, ApiToken, Artifact, Module, Product, Release, ResourceSpace,
                            TufRepository)
from catalog.services import tuf_keys
from tests.factories import ProductFactory, ReleaseFactory, ResourceSpaceFactory, UserFactory

pytestmark = pytest.mark.django_db

CATALOG_MODELS = [ResourceSpace, Product, Module, Release, Artifact, ApiToken, AccessKey, TufRepository]
MODEL_IDS = [model._meta.model_name for model in CATALOG_MODELS]


def admin_url(model, view, *args):
    return reverse(f"admin:catalog_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_each(verified_release, admin_user):
    """One saved object of every catalog model, keyed by model."""
    space = ResourceSpaceFactory()
    release = verified_release(product=ProductFactory(resource_space=space))
    token, _ = ApiToken.issue(admin_user, name="ci")
    key, _ = AccessKey.issue(admin_user, name="sdk")
    tuf_keys.init_repository(release.product.key)
    return {ResourceSpace: space, Product: release.product, Module: release.module, Release: release,
            Artifact: release.artifact, ApiToken: token, AccessKey: key,
            TufRepository: release.product.tuf_repository}


def test_every_catalog_model_is_in_the_admin():
    registered = {model for model in admin.site._registry if model._meta.app_label == "catalog"}

    assert registered == set(CATALOG_MODELS)


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=MODEL_IDS)
def test_changelist_answers_for_a_superuser(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=MODEL_IDS)
def test_changelist_search_answers(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "1"})

    assert response.status_code == 200


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=MODEL_IDS)
def test_change_page_answers_for_a_superuser(admin_client, one_of_each, model):
    response = admin_client.get(admin_url(model, "change", one_of_each[model].pk))

    assert response.status_code == 200


# Artifacts come with uploads; a TUF repository with tuf_init (read-only in the admin).
@pytest.mark.parametrize("model", [m for m in CATALOG_MODELS if m not in (Artifact, TufRepository)],
                         ids=lambda model: model._meta.model_name)
def test_add_page_answers_for_a_superuser(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == 200


def test_artifacts_cannot_be_added_by_hand(admin_client):
    response = admin_client.get(admin_url(Artifact, "add"))

    assert response.status_code == 403


def test_artifact_change_page_offers_no_save_button(admin_client, one_of_each):
    response = admin_client.get(admin_url(Artifact, "change", one_of_each[Artifact].pk))

    assert b'name="_save"' not in response.content
    assert b"/verify-again/" in response.content


def test_release_page_shows_the_artifact_badge_checksum_and_size(admin_client, one_of_each):
    release = one_of_each[Release]

    response = admin_client.get(admin_url(Release, "change", release.pk))

    assert b'class="ota-badge" data-state="verified"' in response.content
    assert release.artifact.sha256.encode() in response.content
    assert f"({release.artifact.size} bytes)".encode() in response.content


def test_failed_artifact_shows_its_reason_on_the_release_page(admin_client, one_of_each):
    release = one_of_each[Release]
    Artifact.objects.filter(release=release).update(state="failed", failure_reason="checksum mismatch",
                                                     failure_detail="declared aa, computed bb")

    response = admin_client.get(admin_url(Release, "change", release.pk))

    assert b'data-state="failed"' in response.content
    assert b"checksum mismatch: declared aa, computed bb" in response.content


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=MODEL_IDS)
def test_a_user_who_is_not_staff_is_sent_to_the_login(client, model):
    client.force_login(UserFactory(is_staff=False))

    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_without_permission_is_refused(client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(admin_url(Release, "changelist"))

    assert response.status_code == 403


def test_staff_with_view_permission_sees_no_action_buttons(client, one_of_each):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_release"))
    client.force_login(viewer)

    response = client.get(admin_url(Release, "change", one_of_each[Release].pk))

    assert response.status_code == 200
    assert b"/verify-again/" not in response.content
    assert b"/deprecate/" not in response.content


def test_releases_are_listed_newest_version_first_in_semantic_order(admin_client):
    product = ProductFactory()
    for version in ["1.9.0", "1.3.0-rc.1", "1.10.0", "1.3.0"]:
        ReleaseFactory(product=product, version=version)

    response = admin_client.get(admin_url(Release, "changelist"))

    listed = [release.version for release in response.context["cl"].result_list]
    assert listed == ["1.10.0", "1.9.0", "1.3.0", "1.3.0-rc.1"]


@pytest.mark.parametrize("state, expected", [("none", ["2.0.0"]), ("verified", ["1.0.0"]), ("failed", [])])
def test_releases_filter_by_artifact_state(admin_client, verified_release, state, expected):
    product = ProductFactory()
    verified_release(product=product, version="1.0.0")
    ReleaseFactory(product=product, version="2.0.0")

    response = admin_client.get(admin_url(Release, "changelist"), {"artifact_state": state})

    assert [r.version for r in response.context["cl"].result_list] == expected


def test_releases_filter_by_module(admin_client):
    product = ProductFactory()
    display = Module.objects.create(product=product, name="display")
    ReleaseFactory(product=product, version="1.0.0")
    ReleaseFactory(product=product, module=display, version="2.0.0")

    response = admin_client.get(admin_url(Release, "changelist"), {"module__id__exact": display.pk})

    assert [r.version for r in response.context["cl"].result_list] == ["2.0.0"]


def changelist_queries(admin_client, model):
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    return len(queries)


def add_catalog_rows(verified_release, user, count, start):
    """``count`` more rows of every catalog model, each product with two modules."""
    for index in range(start, start + count):
        product = ProductFactory(resource_space=ResourceSpaceFactory())
        Module.objects.create(product=product, name="display")
        verified_release(product=product, version="1.0.0", content=f"image {index}".encode())
        ApiToken.issue(user, name=f"token {index}")
        AccessKey.issue(user, name=f"key {index}")


@pytest.mark.parametrize("model", CATALOG_MODELS, ids=MODEL_IDS)
def test_changelist_queries_do_not_grow_with_the_rows(admin_client, admin_user, verified_release, model):
    add_catalog_rows(verified_release, admin_user, 1, start=0)
    few = changelist_queries(admin_client, model)
    add_catalog_rows(verified_release, admin_user, 5, start=1)

    many = changelist_queries(admin_client, model)

    assert many == few
