"""Per-device rate limiting: OTA_DEVICE_RATE_LIMIT requests a minute, then 429 with Retry-After."""

import pytest

from devices import ratelimit
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

URL = "/api/v2/ota-files"


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


def test_one_device_over_its_limit_does_not_limit_another(limit_of_three, device_api, device_client, product):
    for _ in range(4):
        device_api.get(URL)

    assert device_client(DeviceFactory(product=product)).get(URL).status_code == 200


def test_the_count_starts_again_in_the_next_minute(settings):
    start = 60 * 16_000 + 20.0  # 20 s into a window

    verdicts = [ratelimit.count_request("d1", limit=2, now=start + offset) for offset in (0, 1, 2)]
    next_window = ratelimit.count_request("d1", limit=2, now=start + 60)

    assert [verdict.allowed for verdict in verdicts] == [True, True, False]
    assert verdicts[2].retry_after == 38  # the window ends 60 s after it began
    assert next_window.allowed and next_window.count == 1


def test_requests_without_a_valid_token_are_refused_before_counting(limit_of_three, anonymous_api):
    statuses = {anonymous_api.get(URL).status_code for _ in range(5)}

    assert statuses == {401}


def test_the_counter_expires_with_its_window_in_redis():
    ratelimit.count_request("d2", limit=5, now=60 * 16_000 + 1.0)

    from django.core.cache import caches

    backend = caches["default"]
    key = backend.make_and_validate_key(f"ota:ratelimit:device:d2:{16_000}")
    client = backend._cache.get_client(key)
    assert 0 < client.ttl(key) <= 2 * ratelimit.WINDOW_SECONDS


def test_other_cache_backends_count_the_same(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    start = 60 * 16_000 + 5.0

    verdicts = [ratelimit.count_request("d3", limit=2, now=start + offset) for offset in (0, 1, 2)]

    assert [verdict.count for verdict in verdicts] == [1, 2, 3]
    assert [verdict.allowed for verdict in verdicts] == [True, True, False]


def test_admission_reads_the_asked_cache_keys_with_the_count():
    from django.core.cache import cache

    cache.set("ota:test:generation", "abc123", timeout=60)

    admission = ratelimit.admit("d5", "192.0.2.7", limit=5, failure_limit=5,
                                also_read=("ota:test:generation", "ota:test:absent"))

    assert admission.request.count == 1
    assert admission.reads == {"ota:test:generation": "abc123", "ota:test:absent": None}


def test_other_cache_backends_read_the_asked_keys_too(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import caches

    caches["default"].set("ota:test:generation", "abc123")

    admission = ratelimit.admit("d6", "192.0.2.8", limit=5, failure_limit=5,
                                also_read=("ota:test:generation", "ota:test:absent"))

    assert admission.reads == {"ota:test:generation": "abc123", "ota:test:absent": None}
