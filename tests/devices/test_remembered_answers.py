"""A remembered answer is given again only while what it was decided under holds (devices.session)."""

from datetime import UTC, datetime, timedelta

import pytest

from devices import session as sessions
from devices.models import Device
from otaportal.edge import store
from rollouts.models import UpdateType
from rollouts.policy import FilterPolicy, ProductPolicy
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

ANSWER = sessions.Answer(204, "")


@pytest.fixture
def kept_session(product):
    """The session of a device whose session was kept by an earlier request (its stamp read first)."""
    device = DeviceFactory(product=product)
    sessions.open_session(device.token, "192.0.2.1", None, Device.objects.all())

    def reopen():
        return sessions.open_session(device.token, "192.0.2.1", None, Device.objects.all())

    return reopen


def remembered(session, fingerprint="same", **kwargs):
    """Remember ANSWER for ``fingerprint``, decided under the product's current policy generation."""
    sessions.remember(session, "check-in", fingerprint, ANSWER, session.generation, **kwargs)


def test_an_answer_is_given_again_for_the_same_request(kept_session):
    remembered(kept_session())

    assert sessions.idle_answer(kept_session(), "check-in", "same") == ANSWER


def test_an_answer_is_not_given_for_another_request(kept_session):
    remembered(kept_session())

    assert sessions.idle_answer(kept_session(), "check-in", "other") is None


def test_an_answer_stops_at_the_moment_it_was_said_to_hold_until(kept_session):
    remembered(kept_session(), until=datetime.now(UTC) - timedelta(seconds=1))

    assert sessions.idle_answer(kept_session(), "check-in", "same") is None


def test_an_answer_decided_under_another_policy_generation_is_stale(kept_session, product):
    remembered(kept_session())

    store().bump(products=[product.pk])

    assert sessions.idle_answer(kept_session(), "check-in", "same") is None


def test_a_policy_holds_until_its_next_rollout_date():
    now = datetime(2026, 11, 29, 12, tzinfo=UTC)
    dates = [now - timedelta(days=1), now + timedelta(hours=2), now + timedelta(days=3)]
    releases = tuple(type("Release", (), {"filters": (FilterPolicy(str(n), "f", (), date),),
                                          "update_type": UpdateType.FORCED})() for n, date in enumerate(dates))

    assert ProductPolicy(1, releases).holds_until(now) == now + timedelta(hours=2)
    assert ProductPolicy(1, releases).holds_until(now + timedelta(days=4)) is None
