"""The official huaweicloudsdkiotda SDK, signing with an access key pair, drives the portal's live server."""

import pytest
from django.conf import settings
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkiotda.v5 import (
    CreateOtaPackage, CreateOtaPackageRequest, DeleteOtaPackageRequest, FileLocation, IoTDAClient,
    ListOtaPackageInfoRequest, ObsLocation, ShowOtaPackageRequest,
)

from catalog.models import AccessKey, Release

from .conftest import PROJECT_ID

pytestmark = pytest.mark.django_db(transaction=True)


def sdk_client(live_server, access_key_id, secret):
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    config.retry_times = 0
    return (IoTDAClient.new_builder()
            .with_credentials(BasicCredentials(access_key_id, secret, PROJECT_ID))
            .with_endpoints([live_server.url])
            .with_http_config(config)
            .build())


@pytest.fixture
def client(live_server, access_key):
    key, secret = access_key
    return sdk_client(live_server, key.access_key_id, secret)


def create_request(space, product, key, sign, version="V2.0"):
    return CreateOtaPackageRequest(body=CreateOtaPackage(
        app_id=space.key, package_type="firmwarePackage", product_id=product.key, version=version,
        support_source_versions=["V1.0", "V1.1"], description="package for version V1.0 and V1.1",
        custom_info="Updated the XX function.",
        file_location=FileLocation(obs_location=ObsLocation(
            region_name="cn-north-4", bucket_name=settings.AWS_STORAGE_BUCKET_NAME, object_key=key, sign=sign,
        )),
    ))


def test_sdk_creates_lists_shows_and_deletes_a_package(client, space, iot_product, stored_object):
    key, sign = stored_object(b"firmware for the SDK")

    created = client.create_ota_package(create_request(space, iot_product, key, sign))
    assert created.status_code == 201
    assert (created.product_id, created.version, created.file_location.obs_location.sign) == (
        iot_product.key, "V2.0", sign)

    listed = client.list_ota_package_info(ListOtaPackageInfoRequest(product_id=iot_product.key, limit=10))
    assert [package.package_id for package in listed.packages] == [created.package_id]
    assert (listed.page.count, listed.page.marker) == (1, created.package_id)

    shown = client.show_ota_package(ShowOtaPackageRequest(package_id=created.package_id))
    assert (shown.package_id, shown.create_time, shown.support_source_versions) == (
        created.package_id, created.create_time, ["V1.0", "V1.1"])

    deleted = client.delete_ota_package(DeleteOtaPackageRequest(package_id=created.package_id))
    assert deleted.status_code == 204
    assert not Release.objects.exists()


def test_sdk_sees_iotda_errors(client, space, iot_product):
    with pytest.raises(ClientRequestException) as missing:
        client.create_ota_package(create_request(space, iot_product, "uploads/absent.bin", "a" * 64))

    assert (missing.value.status_code, missing.value.error_code) == (400, "IOTDA.000006")
    assert "object_key" in missing.value.error_msg


def test_sdk_with_a_wrong_secret_gets_401(live_server, access_key):
    key, _ = access_key
    client = sdk_client(live_server, key.access_key_id, "wrong-secret")

    with pytest.raises(ClientRequestException) as refused:
        client.list_ota_package_info(ListOtaPackageInfoRequest())

    assert (refused.value.status_code, refused.value.error_code) == (401, "IOTDA.000002")


def test_sdk_with_a_revoked_key_gets_401(live_server, access_key):
    key, secret = access_key
    AccessKey.objects.get(pk=key.pk).revoke()
    client = sdk_client(live_server, key.access_key_id, secret)

    with pytest.raises(ClientRequestException) as refused:
        client.show_ota_package(ShowOtaPackageRequest(package_id="0" * 32))

    assert refused.value.status_code == 401
