"""Listing packages as IoTDA's ListOtaPackageInfo does: filters, limit/marker/offset paging, page count."""

import pytest

from tests.factories import ModuleFactory, ProductFactory, ReleaseFactory, ResourceSpaceFactory

from .conftest import PACKAGES_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def releases(iot_product):
    """25 releases of the IoTDA product, as package ids from the largest down (the list order)."""
    made = [ReleaseFactory(product=iot_product, version=f"V1.{n}") for n in range(25)]
    return sorted((release.id.hex for release in made), reverse=True)


def ids(response):
    return [package["package_id"] for package in response.json()["packages"]]


def test_first_page_has_ten_packages_by_default_largest_id_first(api, releases):
    response = api.get(PACKAGES_URL)

    assert response.status_code == 200
    assert ids(response) == releases[:10]
    assert response.json()["page"] == {"count": 25, "marker": releases[9]}


def test_marker_continues_after_the_previous_page(api, releases):
    first = api.get(PACKAGES_URL, {"limit": 10}).json()

    second = api.get(PACKAGES_URL, {"limit": 10, "marker": first["page"]["marker"]})

    assert ids(second) == releases[10:20]
    assert second.json()["page"]["count"] == 25


def test_marker_walks_every_package_exactly_once(api, releases):
    seen, marker = [], None
    while True:
        page = api.get(PACKAGES_URL, {"limit": 7, **({"marker": marker} if marker else {})}).json()
        if not page["packages"]:
            break
        seen += [package["package_id"] for package in page["packages"]]
        marker = page["page"]["marker"]

    assert seen == releases


def test_offset_skips_packages_after_the_marker(api, releases):
    response = api.get(PACKAGES_URL, {"limit": 5, "offset": 3, "marker": releases[1]})

    assert ids(response) == releases[5:10]


def test_marker_of_a_deleted_package_still_pages_on(api, releases):
    api.delete(f"{PACKAGES_URL}/{releases[4]}")

    response = api.get(PACKAGES_URL, {"limit": 3, "marker": releases[4]})

    assert ids(response) == releases[5:8]


def test_iotda_default_marker_starts_from_the_top(api, releases):
    response = api.get(PACKAGES_URL, {"marker": "ffffffffffffffffffffffff", "limit": 2})

    assert ids(response) == releases[:2]


def test_empty_page_has_no_marker(api, releases):
    response = api.get(PACKAGES_URL, {"marker": releases[-1]})

    assert response.json() == {"packages": [], "page": {"count": 25, "marker": None}}


@pytest.mark.parametrize("limit", ["0", "51", "ten", "-1"])
def test_limit_out_of_range_answers_iotda_000017(api, limit):
    response = api.get(PACKAGES_URL, {"limit": limit})

    assert response.status_code == 400
    assert response.json()["error_code"] == "IOTDA.000017"


@pytest.mark.parametrize("offset", ["501", "-1", "x"])
def test_offset_out_of_range_answers_400(api, offset):
    response = api.get(PACKAGES_URL, {"offset": offset})

    assert response.status_code == 400
    assert response.json()["error_code"] == "IOTDA.000006"
    assert "offset" in response.json()["error_msg"]


def test_fifty_is_the_largest_limit(api, iot_product):
    for n in range(51):
        ReleaseFactory(product=iot_product, version=f"V1.{n}")

    assert len(ids(api.get(PACKAGES_URL, {"limit": 50}))) == 50


def test_malformed_marker_answers_400(api):
    response = api.get(PACKAGES_URL, {"marker": "not-hex"})

    assert response.status_code == 400
    assert "marker" in response.json()["error_msg"]


def test_filters_by_product_id(api, iot_product):
    wanted = ReleaseFactory(product=iot_product)
    ReleaseFactory(product=ProductFactory(key="other"))

    response = api.get(PACKAGES_URL, {"product_id": iot_product.key})

    assert ids(response) == [wanted.id.hex]
    assert response.json()["page"]["count"] == 1


def test_filters_by_app_id(api, iot_product):
    wanted = ReleaseFactory(product=iot_product)
    ReleaseFactory(product=ProductFactory(key="elsewhere", resource_space=ResourceSpaceFactory(key="space-b")))

    assert ids(api.get(PACKAGES_URL, {"app_id": iot_product.resource_space.key})) == [wanted.id.hex]


def test_filters_by_package_type_and_version(api, iot_product):
    wanted = ReleaseFactory(product=iot_product, version="V3.0", package_type="softwarePackage")
    ReleaseFactory(product=iot_product, version="V3.0", package_type="modulePackage",
                   module=ModuleFactory(product=iot_product, name="modem"))
    ReleaseFactory(product=iot_product, version="V3.1", package_type="softwarePackage")

    response = api.get(PACKAGES_URL, {"package_type": "softwarePackage", "version": "V3.0"})

    assert ids(response) == [wanted.id.hex]


@pytest.mark.parametrize(("name", "value"), [("package_type", "patchPackage"), ("app_id", "a" * 37),
                                             ("product_id", "bad/id"), ("version", "V 1")])
def test_invalid_filter_answers_400_naming_it(api, name, value):
    response = api.get(PACKAGES_URL, {name: value})

    assert response.status_code == 400
    assert response.json()["error_code"] == "IOTDA.000006"
    assert name in response.json()["error_msg"]


def test_list_runs_a_constant_number_of_queries(api, iot_product, django_assert_max_num_queries):
    for n in range(2):
        ReleaseFactory(product=iot_product, version=f"V1.{n}")
    with django_assert_max_num_queries(8) as few:
        api.get(PACKAGES_URL, {"limit": 50})
    for n in range(2, 30):
        ReleaseFactory(product=iot_product, version=f"V1.{n}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api.get(PACKAGES_URL, {"limit": 50})

    assert len(ids(response)) == 30
