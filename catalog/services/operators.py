"""Operator accounts for the management APIs: created on demand, given the portal's permissions by group."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

OPERATORS_GROUP = "portal-operators"
# Apps named by label, not imported: the group spans apps that depend on catalog.
OPERATOR_APPS = ("catalog", "devices", "rollouts")


def ensure_operators_group() -> Group:
    """Create the operators' group, or refresh it, so that it holds every permission of the portal's apps."""
    group, _ = Group.objects.get_or_create(name=OPERATORS_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=OPERATOR_APPS))
    return group


def get_or_create_operator(username: str):
    """The user named ``username``; a new one gets no password and joins the operators' group.

    Returns ``(user, created)``. Raises ValidationError for a name Django refuses.
    """
    user_model = get_user_model()
    existing = user_model.objects.filter(username=username).first()
    if existing is not None:
        return existing, False
    user = user_model(username=username)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save()
        user.groups.add(ensure_operators_group())
    return user, True
