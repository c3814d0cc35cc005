import uuid

import pytest

from devices.models import Device
from rollouts import buckets
from tests.factories import ProductFactory


def test_a_device_keeps_its_bucket():
    release_id = uuid.uuid4()

    assert buckets.bucket_of(release_id, "dev-1") == buckets.bucket_of(str(release_id), "dev-1")


def test_buckets_differ_between_releases_so_the_same_devices_are_not_always_first():
    uids = [f"dev-{n}" for n in range(200)]
    first, second = uuid.uuid4(), uuid.uuid4()

    early_in_first = {uid for uid in uids if buckets.bucket_of(first, uid) < 1000}
    early_in_second = {uid for uid in uids if buckets.bucket_of(second, uid) < 1000}

    assert early_in_first != early_in_second


@pytest.mark.parametrize("percentage, covered", [(1, 100), ("0.01", 1), ("12.5", 1250), (100, 10_000), (0, 0)])
def test_a_percentage_covers_a_hundred_buckets_per_percent(percentage, covered):
    assert buckets.buckets_for(percentage) == covered


@pytest.mark.parametrize("percentage", [1, 10, 50])
def test_a_phase_reaches_its_percentage_of_10000_devices_within_tolerance(percentage):
    release_id = uuid.uuid4()

    covered = buckets.buckets_for(percentage)
    inside = sum(buckets.bucket_of(release_id, f"device-{n:06d}") < covered for n in range(10_000))

    # Binomial: the standard deviation at 50 % of 10,000 is 50 devices; allow about 4 of them.
    assert abs(inside - percentage * 100) <= 200


def test_widening_keeps_every_device_already_inside():
    release_id = uuid.uuid4()
    uids = [f"device-{n}" for n in range(2000)]

    at_ten = {uid for uid in uids if buckets.bucket_of(release_id, uid) < buckets.buckets_for(10)}
    at_fifty = {uid for uid in uids if buckets.bucket_of(release_id, uid) < buckets.buckets_for(50)}

    assert at_ten < at_fifty


@pytest.mark.django_db
def test_postgresql_computes_the_same_bucket_as_python():
    product = ProductFactory()
    Device.objects.bulk_create([Device(uid=f"dev-{n}:é-{n * 7919}", product=product) for n in range(500)])
    release_id = uuid.uuid4()

    in_sql = dict(Device.objects.annotate(bucket=buckets.StableBucket(release_id)).values_list("uid", "bucket"))

    assert in_sql == {uid: buckets.bucket_of(release_id, uid) for uid in in_sql}
    assert len(set(in_sql.values())) > 400
