"""What the Kaa API sets is what the decision reads: the same rollout, through the policy cache."""

import pytest

from rollouts.decision import decide
from rollouts.models import EventKind, Rollout, RolloutState
from tests.factories import DeviceFactory

from .conftest import software_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kettle_device(kettle):
    return DeviceFactory(product=kettle, installed_versions={"default": "1.0.0"})


def test_software_posted_general_is_offered_to_a_device_on_an_older_version(create, kettle_device):
    create("1.0.2", rolloutStrategy="general", specification={"link": "ftp://software-repository"})

    decision = decide(kettle_device)

    assert decision is not None
    assert decision.release.version == "1.0.2"


def test_software_put_back_to_suspended_is_no_longer_offered(api, create, kettle_device):
    create("1.0.2", rolloutStrategy="general")
    assert decide(kettle_device) is not None  # the policy is now cached

    api.put(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "suspended"}, format="json")

    assert decide(kettle_device) is None


def test_software_that_skips_dispatching_is_not_offered_before_its_file(create, kettle_device):
    create("1.0.2", rolloutStrategy="general", skipDispatchingToEndpoint=True)

    assert decide(kettle_device) is None


def test_targeted_software_reaches_devices_of_its_filter_once_the_date_passed(
        create, kettle, device_filter, kettle_device):
    beta = device_filter(conditions=[{"field": "uid", "op": "eq", "value": kettle_device.uid}])
    later = device_filter("later", conditions=[{"field": "uid", "op": "eq", "value": kettle_device.uid}])
    create("1.0.3", rolloutStrategy="targeted",
           filters=[{"filterId": str(later.id), "rolloutDate": "2999-01-01T00:00:00Z"}])
    create("1.0.2", rolloutStrategy="targeted",
           filters=[{"filterId": str(beta.id), "rolloutDate": "2020-01-01T00:00:00Z"}])

    assert decide(kettle_device).release.version == "1.0.2"  # 1.0.3 is higher but not yet due


def test_software_posted_suspended_is_a_draft_that_kaa_sees_as_suspended(api, create, kettle_device):
    create("1.0.2")

    shown = api.get(software_url("smart-kettle", "1.0.2")).json()

    assert shown["rolloutStrategy"] == "suspended"
    assert Rollout.objects.get(release__version="1.0.2").state == RolloutState.DRAFT


def test_setting_kaas_strategy_on_a_draft_starts_it(api, create, kettle_device):
    create("1.0.2")

    api.put(software_url("smart-kettle", "1.0.2"), {"rolloutStrategy": "general"}, format="json")

    rollout = Rollout.objects.get(release__version="1.0.2")
    assert rollout.state == RolloutState.RUNNING
    assert list(rollout.events.values_list("kind", flat=True))[:1] == [EventKind.STARTED]
    assert decide(kettle_device).release.version == "1.0.2"
