"""Deleting software (refused while endpoints use it) and an endpoint's current software."""

import pytest
from django.conf import settings

from catalog.models import Artifact, Release
from rollouts.models import DeviceUpdate, Rollout
from tests.factories import DeviceFactory, ModuleFactory, ProductFactory, ReleaseFactory

from .conftest import BASE, software_url

pytestmark = pytest.mark.django_db


def object_exists(s3, key):
    listing = s3.list_objects_v2(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Prefix=key)
    return listing.get("KeyCount", 0) > 0


def test_delete_removes_the_release_its_rollout_and_its_file(
        api, kettle, verified_release, s3, django_capture_on_commit_callbacks):
    release = verified_release(product=kettle, version="1.0.2")
    key = release.artifact.storage_key

    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(software_url("smart-kettle", "1.0.2"))

    assert response.status_code == 204
    assert not Release.objects.filter(pk=release.pk).exists()
    assert not Rollout.objects.exists()
    assert not Artifact.objects.exists()
    assert not object_exists(s3, key)


def test_delete_is_refused_while_an_endpoint_runs_the_version(api, kettle, create):
    create("1.0.2")
    DeviceFactory(product=kettle, installed_versions={"default": "1.0.2"})

    response = api.delete(software_url("smart-kettle", "1.0.2"))

    assert response.status_code == 400
    assert response.json() == {
        "message": "Software version '1.0.2' is used by endpoints: 1 run it, 0 are installing it."
    }
    assert Release.objects.filter(version="1.0.2").exists()


@pytest.mark.parametrize(("state", "status"), [
    *[(state, 400) for state in ("offered", "downloading", "downloaded", "installing", "installed")],
    *[(state, 204) for state in ("committed", "failed", "rolled_back", "rejected", "canceled")],
])
def test_delete_is_refused_while_an_endpoint_installs_the_version_and_allowed_once_over(
        api, kettle, create, state, status):
    create("1.0.2")
    device = DeviceFactory(product=kettle, installed_versions={"default": "1.0.0"})
    DeviceUpdate.objects.create(device=device, release=Release.objects.get(version="1.0.2"), status=state)

    response = api.delete(software_url("smart-kettle", "1.0.2"))

    assert response.status_code == status
    assert Release.objects.filter(version="1.0.2").exists() == (status == 400)
    if status == 400:
        assert "1 are installing it" in response.json()["message"]


def test_the_same_version_in_another_module_or_product_does_not_block_delete(api, kettle, create):
    create("1.0.2")
    DeviceFactory(product=kettle, installed_versions={"default": "1.0.0", "bootloader": "1.0.2"})
    DeviceFactory(product=ProductFactory(key="toaster"), installed_versions={"default": "1.0.2"})

    response = api.delete(software_url("smart-kettle", "1.0.2"))

    assert response.status_code == 204


def test_delete_of_an_unknown_version_is_404(api, kettle):
    response = api.delete(software_url("smart-kettle", "1.0.2"))

    assert response.status_code == 404
    assert "message" in response.json()


def endpoint_url(uid):
    return f"{BASE}/endpoints/{uid}/software/current"


def test_current_software_is_the_release_the_endpoint_runs(api, kettle, create):
    create("1.0.2", metadata="Ubuntu 17.10", rolloutStrategy="general")
    DeviceFactory(uid="7d5dda9b-c9f6-427d-91ea-9891a4f62cbb", product=kettle, installed_versions={"default": "1.0.2"})

    response = api.get(endpoint_url("7d5dda9b-c9f6-427d-91ea-9891a4f62cbb"))

    assert response.status_code == 200
    assert response.json() == {
        "appName": "smart-kettle", "version": "1.0.2", "specification": None, "metadata": "Ubuntu 17.10",
        "upgradableFrom": [], "rolloutStrategy": "general", "filters": [], "skipDispatchingToEndpoint": False,
    }


def test_current_software_of_an_unknown_endpoint_is_404(api, kettle):
    response = api.get(endpoint_url("nobody"))

    assert response.status_code == 404
    assert response.json() == {"message": "Endpoint 'nobody' not found."}


def test_current_software_of_an_endpoint_that_reported_nothing_is_404(api, kettle):
    DeviceFactory(uid="silent", product=kettle, installed_versions={})

    response = api.get(endpoint_url("silent"))

    assert response.status_code == 404
    assert "has not reported" in response.json()["message"]


def test_current_software_that_is_no_known_release_is_404(api, kettle):
    ReleaseFactory(product=kettle, module=ModuleFactory(product=kettle, name="bootloader"), version="0.0.1")
    DeviceFactory(uid="odd", product=kettle, installed_versions={"default": "0.0.1"})

    response = api.get(endpoint_url("odd"))

    assert response.status_code == 404
    assert "not software of application 'smart-kettle'" in response.json()["message"]


def test_an_unknown_path_under_otao_answers_kaa_shaped_404(api):
    response = api.get(f"{BASE}/nowhere")

    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}
