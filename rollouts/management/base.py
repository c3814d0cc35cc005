"""The base of rollout commands: releases named PRODUCT:MODULE:VERSION (or PRODUCT:VERSION, or an id)."""

import uuid

from django.core.management.base import CommandError

from catalog.management.base import PortalCommand
from catalog.models import Release
from rollouts.services.transitions import TransitionError

RELEASE_HELP = "The release: PRODUCT:MODULE:VERSION, PRODUCT:VERSION (default module) or its id."


def find_release(name: str) -> Release:
    releases = Release.objects.select_related("product", "module", "rollout")
    try:
        release = releases.filter(pk=uuid.UUID(name)).first()
    except ValueError:
        parts = name.split(":")
        if len(parts) == 2:
            parts = [parts[0], "default", parts[1]]
        if len(parts) != 3 or not all(parts):
            raise CommandError(f"Name the release as PRODUCT:MODULE:VERSION or by its id, not {name!r}.") from None
        product, module, version = parts
        release = releases.filter(product__key=product, module__name=module, version=version).first()
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
