"""The device's current updates read with its token (rollouts.prefetch) are the rows themselves."""

from datetime import UTC

import pytest
from django.utils import timezone

from catalog.services.releases import deprecate_release
from devices.models import Device
from rollouts.decision import updates_of
from rollouts.models import DeviceUpdate, UpdateStatus
from rollouts.prefetch import current_updates, with_current_updates
from tests.factories import DeviceFactory, ReleaseFactory

pytestmark = pytest.mark.django_db


def annotated(device):
    return with_current_updates(Device.objects.all()).get(pk=device.pk)


def test_the_annotation_carries_every_field_of_each_update(product):
    device = DeviceFactory(product=product)
    stored = DeviceUpdate.objects.create(device=device, release=ReleaseFactory(product=product),
                                         status=UpdateStatus.FAILED, reason="disk full", attempt=3,
                                         from_version="1.0.0", finished_at=timezone.now())

    carried = current_updates(annotated(device))[str(stored.release_id)]

    for field in DeviceUpdate._meta.concrete_fields:
        assert getattr(carried, field.attname) == getattr(stored, field.attname), field.name


def test_updates_of_deprecated_releases_are_left_out(product):
    device = DeviceFactory(product=product)
    kept, dropped = (ReleaseFactory(product=product) for _ in range(2))
    for release in (kept, dropped):
        DeviceUpdate.objects.create(device=device, release=release)
    deprecate_release(dropped, "bad build")

    assert set(current_updates(annotated(device))) == {str(kept.pk)}


def test_a_device_without_updates_carries_none():
    device = DeviceFactory()

    assert current_updates(annotated(device)) == {}


def test_a_device_read_without_the_annotation_is_refused_loudly():
    with pytest.raises(AttributeError):
        current_updates(DeviceFactory())


def test_updates_of_answers_the_same_with_and_without_the_annotation(product):
    device = DeviceFactory(product=product)
    releases = [ReleaseFactory(product=product) for _ in range(3)]
    for release in releases[:2]:
        DeviceUpdate.objects.create(device=device, release=release, status=UpdateStatus.DOWNLOADING)
    ids = [release.pk for release in releases[1:]]

    read_with_it = annotated(device)
    with_annotation = updates_of(read_with_it, ids, current_updates(read_with_it))
    without = updates_of(Device.objects.get(pk=device.pk), ids)

    assert with_annotation == without and set(with_annotation) == {str(releases[1].pk)}


def test_an_update_read_from_the_annotation_saves_back_without_losing_fields(product):
    device = DeviceFactory(product=product)
    acknowledged = timezone.now()
    stored = DeviceUpdate.objects.create(device=device, release=ReleaseFactory(product=product),
                                         status=UpdateStatus.CANCELED, cancel_acknowledged_at=acknowledged)
    carried = current_updates(annotated(device))[str(stored.release_id)]

    carried.status = UpdateStatus.OFFERED
    carried.save()

    stored.refresh_from_db()
    assert stored.status == UpdateStatus.OFFERED and stored.cancel_acknowledged_at == acknowledged


def test_datetimes_written_without_an_offset_are_read_as_utc(product):
    # Given the row as SQLite's JSON_OBJECT writes it (make run): a stored UTC datetime without its offset
    device = DeviceFactory(product=product)
    stored = DeviceUpdate.objects.create(device=device, release=ReleaseFactory(product=product),
                                         status=UpdateStatus.FAILED, finished_at=timezone.now())
    read = annotated(device)
    (row,) = read.current_updates
    row["finished_at"] = stored.finished_at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")

    # When it is carried to the decision
    carried = current_updates(read)[str(stored.release_id)]

    # Then it is the same moment, comparable with the decision's aware clock
    assert carried.finished_at == stored.finished_at and timezone.is_aware(carried.finished_at)
