"""The rollout policy page explains skipDispatchingToEndpoint and the hawkBit update type in plain words."""

import pytest
from django.urls import reverse

from tests.factories import ReleaseFactory

pytestmark = pytest.mark.django_db


def test_the_policy_page_explains_the_kaa_and_hawkbit_fields(admin_client, product):
    release = ReleaseFactory(product=product, version="2.0.0")

    policy_page = reverse("admin:rollouts_rollout_change", args=[release.rollout.pk])

    page = admin_client.get(policy_page).content.decode()

    assert "Wait for a file (skipDispatchingToEndpoint)" in page
    assert "a release that has no file at all is offered with its specification alone" in page
    assert "Soft: the device may put it off" in page
    assert "action types, for both device protocols" in page
