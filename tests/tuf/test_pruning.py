"""Superseded metadata is pruned; every root and what a client mid-refresh may still ask for stay."""

import math
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import TufRole
from catalog.services import tuf, tuf_keys
from catalog.services.tuf_pruning import PREVIOUS_VERSIONS_KEPT, prune
from catalog.tasks import refresh_tuf_repositories
from tests.factories import ProductFactory
from tests.fixtures.services import wait_for
from tests.tuf.client import root_of, trusted_root_version

PUBLICATIONS = PREVIOUS_VERSIONS_KEPT + 4


def publish_again(product, times):
    """``times`` publications, each a new targets, snapshot and timestamp version."""
    for _ in range(times):
        tuf.publish(product.pk, resign=frozenset({TufRole.TARGETS}))


def versions(repository, role) -> list[int]:
    return sorted(repository.metadata.filter(role=role).values_list("version", flat=True))


@pytest.fixture
def busy_repository(repository, product):
    """A repository with three root versions and many more targets, snapshot and timestamp versions."""
    tuf_keys.rotate_key(product.key, TufRole.ROOT)
    tuf_keys.rotate_key(product.key, TufRole.ROOT)
    publish_again(product, PUBLICATIONS)
    return repository


def test_pruning_keeps_every_root_version(busy_repository):
    prune()

    assert versions(busy_repository, TufRole.ROOT) == [1, 2, 3]


@pytest.mark.parametrize("role", [TufRole.TARGETS, TufRole.SNAPSHOT])
def test_pruning_keeps_the_newest_snapshot_and_targets_and_the_versions_before_them(busy_repository, role):
    # given more versions than are kept
    newest = versions(busy_repository, role)[-1]

    # when superseded metadata is pruned
    prune()

    # then the newest and the kept previous versions remain
    assert versions(busy_repository, role) == list(range(newest - PREVIOUS_VERSIONS_KEPT, newest + 1))


def test_pruning_keeps_only_the_newest_timestamp(busy_repository):
    newest = versions(busy_repository, TufRole.TIMESTAMP)[-1]

    prune()

    assert versions(busy_repository, TufRole.TIMESTAMP) == [newest]


def test_pruning_leaves_a_repository_with_few_versions_alone(busy_repository):
    # given another product's repository, published once more
    other = ProductFactory(key="quiet")
    tuf_keys.init_repository(other.key)
    publish_again(other, 1)

    # when superseded metadata is pruned
    prune()

    # then its two targets versions stay; only its first timestamp goes
    assert versions(other.tuf_repository, TufRole.TARGETS) == [1, 2]
    assert versions(other.tuf_repository, TufRole.TIMESTAMP) == [2]


def test_pruning_deletes_in_batches(busy_repository):
    # given this many superseded rows: older timestamps, and older snapshots and targets beyond those kept
    stale = PUBLICATIONS + 2 * (PUBLICATIONS - PREVIOUS_VERSIONS_KEPT)

    # when they are pruned two at a time
    with CaptureQueriesContext(connection) as queries:
        pruned = prune(batch_size=2)

    # then each statement deleted one batch
    deletes = [query for query in queries.captured_queries if query["sql"].startswith("DELETE")]
    assert pruned == stale and len(deletes) == math.ceil(stale / 2)


def test_publishing_after_pruning_continues_the_version_numbers(busy_repository, product):
    newest = versions(busy_repository, TufRole.TIMESTAMP)[-1]
    prune()

    publish_again(product, 1)

    assert versions(busy_repository, TufRole.TIMESTAMP) == [newest, newest + 1]


@pytest.mark.django_db(transaction=True)
def test_a_fresh_client_walks_the_root_chain_of_a_pruned_repository(product, verified_release, device,
                                                                    updater_for, tmp_path):
    # given a repository rotated twice and published many times, then pruned
    release = verified_release(product=product, version="1.0.0")
    tuf_keys.init_repository(product.key)
    tuf_keys.rotate_key(product.key, TufRole.ROOT)
    tuf_keys.rotate_key(product.key, TufRole.ROOT)
    publish_again(product, PUBLICATIONS)
    prune()

    # when a device provisioned with root version 1 refreshes
    updater = updater_for(device, root=root_of(product))
    updater.refresh()

    # then it followed the chain to root version 3 and verifies the target
    assert trusted_root_version(tmp_path / device.uid) == 3
    path = updater.download_target(updater.get_targetinfo(tuf.target_path(release)))
    assert Path(path).read_bytes() == b"firmware image\n"


@pytest.mark.django_db(transaction=True)
def test_beat_prunes_superseded_metadata(product, celery_worker):
    # given a repository with more timestamps than the one served
    tuf_keys.init_repository(product.key)
    publish_again(product, 3)
    repository = product.tuf_repository

    # when beat's task runs
    refresh_tuf_repositories.delay()

    # then only the newest timestamp is left
    wait_for(lambda: versions(repository, TufRole.TIMESTAMP) == [4], message="older timestamps pruned")
