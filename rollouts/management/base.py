"""The base of rollout commands: releases named PRODUCT:MODULE:VERSION (or PRODUCT:VERSION, or an id)."""

from django.core.management.base import CommandError

from catalog.models import Release
from catalog.services.releases import RELEASE_NAME_FORMS, BadReleaseName, release_lookup
from otaportal.management.base import PortalCommand
from rollouts.services.transitions import TransitionError

RELEASE_HELP = f"The release: {RELEASE_NAME_FORMS}."


def find_release(name: str) -> Release:
    try:
        lookup = release_lookup(name)
    except BadReleaseName as error:
        raise CommandError(str(error)) from None
    release = Release.objects.select_related("product", "module", "rollout").filter(**lookup).first()
    if release is None:
        raise CommandError(f"No release {name}.")
    return release


def release_label(release: Release) -> str:
    return f"{release.product.key}:{release.module.name}:{release.version}"


class RolloutCommand(PortalCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except TransitionError as error:
            raise CommandError(str(error)) from error
