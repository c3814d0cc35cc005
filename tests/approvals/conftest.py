"""A product whose risky rollout steps need four-eyes approval; a requester, an approver, API clients."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from catalog.models import ApiToken
from rollouts.models import RolloutPhase
from tests.factories import ProductFactory, ReleaseFactory, UserFactory
from tests.fixtures.rollouts import attach_verified_artifact


@pytest.fixture
def guarded_product(db):
    """Approval required; widening to more than 10 % needs it."""
    return ProductFactory(key="pacemaker", requires_approval=True, approval_threshold=Decimal(10))


@pytest.fixture
def draft_release(guarded_product):
    """A draft rollout with a verified artifact and phases 5 % → 50 % → 100 %."""
    release = ReleaseFactory(product=guarded_product, version="2.0.0")
    attach_verified_artifact(release)
    for position, percentage in enumerate((5, 50, 100)):
        RolloutPhase.objects.create(rollout=release.rollout, position=position, percentage=percentage,
                                    min_soak="0")
    return release


def _operator(username, *permissions):
    user = UserFactory(username=username, is_staff=True)
    for codename in permissions:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return user


ROLLOUT_PERMISSIONS = ("rollouts.view_rollout", "rollouts.change_rollout", "approvals.view_approvalrequest")


@pytest.fixture
def requester(db):
    return _operator("alice", *ROLLOUT_PERMISSIONS, "approvals.approve_approvalrequest")


@pytest.fixture
def approver(db):
    return _operator("bob", *ROLLOUT_PERMISSIONS, "approvals.approve_approvalrequest")


@pytest.fixture
def bystander(db):
    """May change rollouts, but not approve."""
    return _operator("carol", *ROLLOUT_PERMISSIONS)


@pytest.fixture
def client_of():
    """Factory: an API client with a fresh token of ``user``."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user, name='approvals')[1]}")
        return client

    return make

