"""Per-device rate limiting: OTA_DEVICE_RATE_LIMIT requests a minute, then 429 with Retry-After."""

import pytest

from otaportal.edge import CacheStore, WINDOW_SECONDS, rate_key, store
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/ota-files"
SEEN = "0|"


@pytest.fixture
def limit_of_three(settings):
    settings.OTA_DEVICE_RATE_LIMIT = 3


def test_requests_within_the_limit_pass(limit_of_three, device_api):
    statuses = [device_api.get(URL).status_code for _ in range(3)]

    assert statuses == [200, 200, 200]


def test_a_request_over_the_limit_answers_429_with_retry_after_and_json(limit_of_three, device_api):
    for _ in range(3):
        device_api.get(URL)

    response = device_api.get(URL)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Request was throttled.")


def test_downloads_count_against_the_same_limit(limit_of_three, device_api, product, verified_release):
    release = verified_release(product=product)
    for _ in range(3):
        device_api.get(URL)

    response = device_api.get(f"/api/v2/ota-files/{release.artifact.pk}/file")

    assert response.status_code == 429


def test_check_ins_and_pings_count_against_the_same_limit(limit_of_three, device_api):
    for _ in range(3):
        device_api.get("/api/v1/device/ping")

    response = device_api.post("/api/v1/device/check-in", {"modules": {}}, format="json")

    assert response.status_code == 429


def test_one_device_over_its_limit_does_not_limit_another(limit_of_three, device_api, device_client, product):
    for _ in range(4):
        device_api.get(URL)

    assert device_client(DeviceFactory(product=product)).get(URL).status_code == 200


def test_the_count_starts_again_in_the_next_minute():
    start = 60 * 16_000 + 20.0  # 20 s into a window

    counts = [store().count_request(1001, SEEN, start + offset) for offset in (0, 1, 2)]
    next_window = store().count_request(1001, SEEN, start + 60)

    assert counts == [1, 2, 3]
    assert next_window == 1


def test_requests_without_a_valid_token_are_refused_before_counting(limit_of_three, anonymous_api):
    statuses = {anonymous_api.get(URL).status_code for _ in range(5)}

    assert statuses == {401}


def test_the_counter_expires_with_its_window_in_redis():
    now = 60 * 16_000 + 1.0

    store().count_request(1002, SEEN, now)

    assert 0 < store().redis.ttl(rate_key(1002, now)) <= 2 * WINDOW_SECONDS


def test_a_portal_without_redis_counts_the_same_in_its_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = 60 * 16_000 + 5.0

    counts = [CacheStore().count_request(1003, SEEN, start + offset) for offset in (0, 1, 2)]

    assert counts == [1, 2, 3]
