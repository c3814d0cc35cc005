"""Admin actions every app's admin shares: revoking a credential (API token, access key, gateway token)."""

from django.contrib import admin
from django.db import transaction

from catalog.admin.object_actions import object_action


class RevokeActionsMixin:
    """A changelist action and a change-page button (a POST) that revoke what is still valid, logged.

    For a ModelAdmin that also mixes in ``ObjectActionsMixin`` (its buttons and ``log_and_report``),
    over a model whose ``revoked_at`` is blank while valid. Subclasses say how one object is revoked
    (``revoke_one``) and may add what revoking means to the message (``revoked_consequence``).
    """

    actions = ("revoke_selected",)
    object_actions = ("revoke",)
    revoked_consequence = ""

    def revoke_one(self, obj) -> None:
        raise NotImplementedError

    @admin.action(description="Revoke selected %(verbose_name_plural)s", permissions=["change"])
    def revoke_selected(self, request, queryset):
        self._revoke(request, list(queryset.filter(revoked_at__isnull=True)))

    @object_action("Revoke", available=lambda model_admin, obj: obj.revoked_at is None)
    def revoke(self, request, obj):
        self._revoke(request, [obj] if obj.revoked_at is None else [])

    def _revoke(self, request, objects):
        with transaction.atomic():
            for obj in objects:
                self.revoke_one(obj)
            name = self.opts.verbose_name if len(objects) == 1 else self.opts.verbose_name_plural
            self.log_and_report(request, objects, f"Revoked the {self.opts.verbose_name}.",
                                f"Revoked {len(objects)} {name}{self.revoked_consequence}.")
