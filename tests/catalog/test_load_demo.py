"""load_demo: the demo `make run` shows, made once however often it runs."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.management.base import CommandError
from django.test import RequestFactory

from catalog import demo
from catalog.choices import ArtifactState, ReleaseStatus
from catalog.models import Artifact, Module, Product, Release
from tests.catalog.commands import run
from tests.fixtures.services import wait_for


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.DEBUG = True
    return tmp_path


def printed_password(out):
    return re.search(r"Demo admin: admin / (\S+)", out).group(1)


def catalog_rows():
    return {model.__name__: model.objects.count() for model in (Product, Module, Release, Artifact)}


def stored_keys(s3, settings):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.mark.django_db
def test_load_demo_creates_the_product_modules_and_releases_with_artifacts():
    run("load_demo")

    product = Product.objects.get(key="demo-thermostat")
    assert sorted(product.modules.values_list("name", flat=True)) == ["default", "display-app"]
    assert product.releases.count() == len(demo.RELEASES)
    assert Artifact.objects.filter(release__product=product, state=ArtifactState.PENDING).count() == len(
        demo.RELEASES)
    assert Release.objects.get(version="1.0.0").status == ReleaseStatus.DEPRECATED


def admin_login():
    """The request authentication sees: django-axes counts login attempts per client address."""
    return RequestFactory().post("/admin/login/")


@pytest.mark.django_db
def test_load_demo_prints_a_working_admin_login_and_the_admin_url():
    out = run("load_demo", "--base-url", "http://127.0.0.1:8123/")

    user = authenticate(admin_login(), username="admin", password=printed_password(out))
    assert user is not None and user.is_superuser
    assert "Admin: http://127.0.0.1:8123/admin/" in out


@pytest.mark.django_db
def test_load_demo_twice_changes_nothing_and_keeps_the_password(s3, settings):
    first = run("load_demo")
    rows, keys = catalog_rows(), stored_keys(s3, settings)

    second = run("load_demo")

    assert catalog_rows() == rows
    assert stored_keys(s3, settings) == keys
    assert printed_password(second) == printed_password(first)
    assert authenticate(admin_login(), username="admin", password=printed_password(second)) is not None


@pytest.mark.django_db
def test_load_demo_uploads_the_file_of_a_release_left_without_one(s3, settings):
    run("load_demo")
    Artifact.objects.filter(release__version="1.1.0").delete()

    run("load_demo")

    assert Release.objects.get(version="1.1.0").artifact_or_none is not None


@pytest.mark.django_db
def test_load_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        run("load_demo")

    assert not Product.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_artifacts_are_verified_by_the_worker(celery_worker):
    run("load_demo")

    wait_for(lambda: Artifact.objects.filter(state=ArtifactState.VERIFIED).count() == len(demo.RELEASES),
             message="the demo artifacts to verify")
