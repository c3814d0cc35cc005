import itertools

import pytest
import semver

from catalog.models import Release
from catalog.versioning import at_least, version_key
from tests.factories import ProductFactory, ReleaseFactory

SEMVER_SPEC_ORDER = [
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
    "1.0.0-rc.1", "1.0.0", "1.9.0", "1.10.0", "1.11.0", "2.0.0",
]


def test_semantic_versions_follow_semver_precedence():
    for left, right in itertools.product(SEMVER_SPEC_ORDER, repeat=2):
        expected = semver.Version.parse(left).compare(right)
        actual = (version_key(left) > version_key(right)) - (version_key(left) < version_key(right))
        assert actual == expected, (left, right)


def test_minor_ten_is_newer_than_minor_nine():
    assert version_key("1.10.0") > version_key("1.9.0")


def test_release_candidate_precedes_its_release():
    assert version_key("1.3.0-rc.1") < version_key("1.3.0")


def test_leading_v_is_ignored():
    assert version_key("V2.0") == version_key("2.0") == version_key("2.0.0")


@pytest.mark.parametrize("older, newer", [
    ("2024.11.3", "2024.11.10"),
    ("2023.12.31", "2024.1.1"),
    ("1.0rc1", "1.0"),
    ("V1.9", "V2.0"),
    ("latest", "0.0.1"),
    ("2.0", "2.0.1"),
])
def test_non_semantic_versions_are_ordered(older, newer):
    assert version_key(older) < version_key(newer)


@pytest.mark.django_db
def test_releases_of_equal_precedence_are_ordered_by_text_so_the_order_is_total():
    product = ProductFactory()
    texts = ["2.0.0", "V2.0", "2.0", "2.0.0+build.1"]
    for text in texts:
        ReleaseFactory(product=product, version=text)

    newest_first = list(Release.objects.filter(product=product).values_list("version", "version_key"))

    assert len({key for _, key in newest_first}) == 1
    assert [version for version, _ in newest_first] == sorted(texts, reverse=True)


def test_minimum_agent_version():
    assert at_least("1.5.0", "1.2.0")
    assert not at_least("1.1.9", "1.2.0")
    assert at_least("0.0.1", "")


def test_version_keys_are_memoised_and_stay_the_same():
    version_key.cache_clear()

    first = version_key("1.10.0-rc.1")
    second = version_key("1.10.0-rc.1")

    assert first == second == version_key.__wrapped__("1.10.0-rc.1")
    assert version_key.cache_info().hits == 1
