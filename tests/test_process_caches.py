"""Per-process caches stay bounded in size and in age (otaportal.process_caches)."""

import time

from otaportal.process_caches import POLICY_SNAPSHOTS, RELEASE_CANDIDATES, ProcessCache


def test_past_its_size_the_oldest_entry_goes():
    cache = ProcessCache("test", max_entries=2, max_age=lambda: 60)
    cache.put("a", 1)
    cache.put("b", 2)

    cache.put("c", 3)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (None, 2, 3)
    assert len(cache) == 2


def test_an_entry_older_than_its_age_is_gone():
    cache = ProcessCache("test", max_entries=2, max_age=lambda: 0.05)
    cache.put("a", 1)

    time.sleep(0.1)

    assert cache.get("a") is None
    assert len(cache) == 0


def test_putting_a_key_again_renews_it_without_growing():
    cache = ProcessCache("test", max_entries=2, max_age=lambda: 60)
    cache.put("a", 1)
    cache.put("b", 2)

    cache.put("a", 3)
    cache.put("c", 4)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (3, None, 4)


def test_the_edge_caches_are_bounded_by_policy_lifetime(settings):
    settings.OTA_POLICY_CACHE_TTL = 7

    assert POLICY_SNAPSHOTS.max_entries == RELEASE_CANDIDATES.max_entries == 256
    assert POLICY_SNAPSHOTS.max_age() == RELEASE_CANDIDATES.max_age() == 7
