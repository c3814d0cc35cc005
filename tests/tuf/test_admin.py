"""The admin shows each product's repository state and warns before a file expires unsigned."""

from datetime import timedelta

import pytest

from catalog.models import TufRole
from catalog.services import tuf_keys
from tests.factories import ProductFactory


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_repository_page_shows_versions_expiries_and_key_ids(repository, staff):
    timestamp = repository.metadata.latest_of(TufRole.TIMESTAMP)
    key = repository.keys.current().get(role=TufRole.TARGETS)

    page = staff.get(f"/admin/catalog/tufrepository/{repository.pk}/change/").content.decode()

    assert f"timestamp v{timestamp.version} · expires {timestamp.expires:%Y-%m-%d %H:%M} UTC" in page
    assert key.keyid[:16] in page


def test_the_list_reads_a_fixed_number_of_queries(repository, staff, django_assert_max_num_queries):
    for key in ("a1", "a2", "a3"):
        tuf_keys.init_repository(ProductFactory(key=key).key)

    with django_assert_max_num_queries(8):
        response = staff.get("/admin/catalog/tufrepository/")

    assert response.status_code == 200 and response.content.decode().count("root v1") == 4


def test_the_index_warns_of_a_file_about_to_expire_unsigned(product, staff, settings):
    # given a repository whose timestamp has a tenth of its period left (beat would have signed at half)
    tuf_keys.init_repository(product.key)
    settings.OTA_TUF_TIMESTAMP_EXPIRY = timedelta(days=10)

    page = staff.get("/admin/").content.decode()

    assert 'data-tuf-expiring="thermostat/timestamp"' in page


def test_the_index_is_quiet_while_every_file_is_fresh(repository, staff):
    assert "data-tuf-expiring" not in staff.get("/admin/").content.decode()


def test_the_repository_page_shows_a_rotation_waiting_for_the_offline_root(product, offline_repository,
                                                                           staff):
    # given a targets key rotation drafted while the root key is offline
    rotation = tuf_keys.rotate_key(product.key, TufRole.TARGETS)

    page = staff.get(f"/admin/catalog/tufrepository/{offline_repository.pk}/change/").content.decode()

    assert f"next key {rotation.key.keyid[:16]} (once the signed root is imported)" in page


def test_the_list_filters_the_repositories_waiting_for_an_offline_root(product, offline_root_key, staff):
    # given a repository waiting for its root signed offline, and another one with every key online
    tuf_keys.init_repository(product.key, offline_root_key=offline_root_key.signer.public_key)
    tuf_keys.init_repository(ProductFactory(key="relay").key)

    # when the list is filtered to repositories with a pending root
    page = staff.get("/admin/catalog/tufrepository/", {"pending_root__isempty": "0"}).content.decode()

    # then only the waiting one is listed
    assert "/change/" in page and f">{product}<" in page and "relay" not in page
