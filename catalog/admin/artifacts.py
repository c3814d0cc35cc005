from django.contrib import admin

from catalog.models import Artifact
from otaportal import admin_display

from . import display
from .object_actions import ObjectActionsMixin
from .verification import VerifyAgainMixin


@admin.register(Artifact)
class ArtifactAdmin(VerifyAgainMixin, ObjectActionsMixin, admin.ModelAdmin):
    """Read-only: artifacts are uploaded from their release's page and changed only by verification."""

    list_display = ("file_name", "release_link", "role", "state_badge", "size_display", "failure", "verified_at",
                    "created_at")
    list_select_related = ("release__product", "release__module__product", "candidate_for__product",
                           "candidate_for__module__product")
    list_filter = ("state", "failure_reason", ("candidate_for", admin.EmptyFieldListFilter), "release__product",
                   "owned")
    search_fields = ("file_name", "storage_key", "sha256", "declared_sha256", "release__version",
                     "release__product__key", "release__module__name", "candidate_for__version")
    ordering = ("-created_at",)
    actions = ("verify_again_selected",)
    object_actions = ("verify_again",)
    fieldsets = [
        (None, {"fields": ("release_link", "role", "state_badge", "failure", "file_name")}),
        ("Checksums and size", {"fields": ("declared_sha256", "sha256", "declared_size", "size_display",
                                           "sha1", "md5")}),
        ("Storage", {"fields": ("bucket", "storage_key", "owned")}),
        ("Verification", {"fields": ("verification_attempts", "verification_started_at", "verified_at",
                                     "created_at", "updated_at")}),
    ]

    def get_readonly_fields(self, request, obj=None):
        return [field for _, options in self.fieldsets for field in options["fields"]]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only; "change" permission only lets the user run "verify again".
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def artifact_of(self, artifact):
        return artifact

    @admin.display(description="release", ordering="release__version")
    def release_link(self, artifact):
        return admin_display.admin_link(artifact.release_of, str(artifact.release_of))

    @admin.display(description="role")
    def role(self, artifact):
        return "served" if artifact.release_id else "replacement (served once verified)"

    @admin.display(description="state", ordering="state")
    def state_badge(self, artifact):
        return display.artifact_badge(artifact)

    @admin.display(description="computed size", ordering="size")
    def size_display(self, artifact):
        return admin_display.byte_size(artifact.size)

    @admin.display(description="failure reason")
    def failure(self, artifact):
        return artifact.failure or admin_display.EMPTY
