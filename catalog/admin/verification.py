""""Verify again", for the admins of releases and of artifacts."""

from django.contrib import admin, messages
from django.db import transaction

from catalog.services.verification import request_verification

from .object_actions import object_action


class VerifyAgainMixin:
    """A changelist action and a change-page button that queue the verification of an artifact again.

    Subclasses say where an object's artifact is (``artifact_of``).
    """

    def artifact_of(self, obj):
        raise NotImplementedError

    @admin.action(description="Verify the artifact again", permissions=["change"])
    def verify_again_selected(self, request, queryset):
        self._verify_again(request, list(queryset))

    @object_action("Verify again",
                   available=lambda model_admin, obj: model_admin.artifact_of(obj) is not None)
    def verify_again(self, request, obj):
        self._verify_again(request, [obj])

    def _verify_again(self, request, objects):
        with transaction.atomic():
            queued = [obj for obj in objects if self.artifact_of(obj) is not None]
            for obj in queued:
                request_verification(self.artifact_of(obj))
            if queued:
                self.log_and_report(request, queued, "Queued the artifact's verification again.",
                                    f"Verification queued again for {len(queued)} artifact(s).")
        if len(queued) < len(objects):
            self.message_user(request, f"{len(objects) - len(queued)} selected item(s) have no artifact.",
                              messages.WARNING)
