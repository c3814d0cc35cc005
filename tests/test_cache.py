from django.core.cache import cache


def test_each_cache_operation_is_one_round_trip_over_the_connection_already_open(redis_round_trips):
    cache.get("ota:test:warm-up")  # opening the connection costs its own handshake round trips
    redis_round_trips.start()

    for n in range(5):
        cache.set(f"ota:test:key:{n}", n, timeout=30)
        cache.get(f"ota:test:key:{n}")

    assert redis_round_trips.count() == 10
    assert redis_round_trips.connections_opened() == 0


def test_the_shared_client_reads_and_writes_like_djangos():
    cache.set("ota:test:shared-client", {"answer": 42}, timeout=30)
    cache.add("ota:test:counter", 1, timeout=30)

    assert cache.get("ota:test:shared-client") == {"answer": 42}
    assert cache.incr("ota:test:counter") == 2
