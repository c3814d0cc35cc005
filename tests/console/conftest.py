"""Fixtures of the console tests: rollouts with device updates made the way devices make them."""

import pytest

from rollouts.decision import decide
from rollouts.services import checkin, feedback
from tests.factories import DeviceFactory
from tests.rollouts.admin.conftest import running, updates_of  # noqa: F401 (the rollouts admin's fixtures)


@pytest.fixture
def reported(product):
    """Factory: ``count`` devices on 1.0.0 that check in, are offered the best release and report ``statuses``.

    Goes through the decision, the offer and the feedback service, so a failure gets
    its finish time and can pause its rollout automatically, as in production.
    """

    def make(statuses, count=1, prefix="reporter", reason=""):
        updates = []
        for index in range(count):
            device = DeviceFactory(product=product, uid=f"{prefix}-{index:04d}", installed_versions={"default": "1.0.0"})
            update = checkin.make_offer(device, decide(device)).update
            for status in statuses:
                update = feedback.report_status(update, status, reason)
            updates.append(update)
        return updates

    return make
