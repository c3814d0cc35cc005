import pytest
from rest_framework.test import APIClient

from catalog.models import ApiToken
from rollouts.models import DeviceFilter
from tests.factories import ProductFactory

BASE = "/otao/api/v1"


def software_url(app="smart-kettle", version=None, *rest):
    url = f"{BASE}/applications/{app}/software"
    return "/".join([url, version, *rest]) if version else url


@pytest.fixture
def kettle(db):
    return ProductFactory(key="smart-kettle", name="Smart kettle")


@pytest.fixture
def device_filter(db):
    """Factory: a named device filter."""

    def make(name="beta testers", conditions=None):
        return DeviceFilter.objects.create(name=name, conditions=conditions or [])

    return make


@pytest.fixture
def scoped_api(admin_user):
    """Factory: a client whose token (of a superuser) carries only the given scopes."""

    def make(*scopes):
        _, plaintext = ApiToken.issue(admin_user, name="scoped", scopes=scopes)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        return client

    return make


@pytest.fixture
def create(api, kettle):
    """Factory: POST a software version and assert it was created."""

    def make(version="1.0.2", **body):
        body.setdefault("rolloutStrategy", "suspended")
        response = api.post(software_url(kettle.key, version), body, format="json")
        assert response.status_code == 201, response.content
        return response

    return make
