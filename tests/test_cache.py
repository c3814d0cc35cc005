from django.core.cache import cache


def test_the_redis_cache_shares_one_client_per_connection_pool():
    client = cache._cache.get_client("any", write=True)

    assert cache._cache.get_client("other", write=True) is client


def test_the_shared_client_reads_and_writes_like_djangos():
    cache.set("ota:test:shared-client", {"answer": 42}, timeout=30)
    cache.add("ota:test:counter", 1, timeout=30)

    assert cache.get("ota:test:shared-client") == {"answer": 42}
    assert cache.incr("ota:test:counter") == 2
