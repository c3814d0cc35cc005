import hashlib
import json
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from rest_framework.test import APIClient

from catalog.models import AccessKey, ApiToken
from tests.factories import ProductFactory, ResourceSpaceFactory, UserFactory

PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
PACKAGES_URL = f"/v5/iot/{PROJECT_ID}/ota-upgrades/packages"
VERSIONS_URL = "/api/v1/ota/versions"


@pytest.fixture
def user_with(db):
    """Factory: a user holding only the given catalog permissions (codenames)."""

    def make(*codenames, username="integrator"):
        user = UserFactory(username=username)
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
        )
        return user

    return make


@pytest.fixture
def client_for():
    """Factory: an API client sending a fresh token of the user as ``Authorization: Bearer``."""

    def make(user):
        _, plaintext = ApiToken.issue(user, name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        return client

    return make


@pytest.fixture
def space(db):
    return ResourceSpaceFactory(key="61f7e74d036aca5be29e1ed4", name="Plant A")


@pytest.fixture
def iot_product(space):
    return ProductFactory(key="5ba24f5ebbe8f56f5a14f605", name="Smart Meter", resource_space=space)


@pytest.fixture
def stored_object(s3):
    """Factory: an object put in the artifact bucket under a fresh folder; returns (key, sha256)."""

    def make(content: bytes = b"package bytes\n", name="upgrade.bin"):
        key = f"uploads/{uuid.uuid4().hex}/{name}"
        s3.put_object(Bucket=settings.AWS_STORAGE_BUCKET_NAME, Key=key, Body=content)
        return key, hashlib.sha256(content).hexdigest()

    return make


@pytest.fixture
def package_body(space, iot_product, stored_object):
    """Factory: a valid create-package body for an object that exists; keyword arguments override fields."""

    def make(content: bytes = b"package bytes\n", **overrides):
        key, sha256 = stored_object(content)
        body = {
            "app_id": space.key,
            "package_type": "firmwarePackage",
            "product_id": iot_product.key,
            "version": "V2.0",
            "support_source_versions": ["V1.0", "V1.1"],
            "description": "package for version V1.0 and V1.1",
            "custom_info": "Updated the XX function and fixed the XXXX issue.",
            "file_location": {"obs_location": {
                "region_name": "cn-north-4", "bucket_name": settings.AWS_STORAGE_BUCKET_NAME,
                "object_key": key, "sign": sha256,
            }},
        }
        body.update(overrides)
        return body

    return make


@pytest.fixture
def access_key(admin_user):
    """(AccessKey, secret) of the admin user."""
    return AccessKey.issue(admin_user, name="tests")


def sdk_signed(method, path, access_key_id, secret, *, query=(), body=None, headers=None, host="testserver"):
    """Sign a request with the official SDK's signer; returns (uri, headers, body bytes) to send."""
    payload = json.dumps(body).encode() if body is not None else b""
    request = SdkRequest(
        method=method, schema="http", host=host, resource_path=path, query_params=list(query),
        header_params={"Content-Type": "application/json", **(headers or {})}, body=payload,
    )
    Signer(BasicCredentials(access_key_id, secret)).sign(request)
    return request.uri, dict(request.header_params), payload


def send(client, method, uri, headers, payload=b""):
    """Send through the Django test client with exactly these headers (Content-Type apart)."""
    headers = dict(headers)
    content_type = headers.pop("Content-Type", "application/json")
    return client.generic(method, uri, data=payload, content_type=content_type, headers=headers)
