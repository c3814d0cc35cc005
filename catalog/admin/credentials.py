"""What API tokens and access keys share in the admin: issuing once, revoking, who may see what."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from catalog.choices import CredentialStatus
from otaportal.admin_actions import RevokeActionsMixin

from . import display
from .object_actions import ObjectActionsMixin


class CredentialStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CredentialStatus.choices

    def queryset(self, request, queryset):
        return queryset.in_status(self.value()) if self.value() in CredentialStatus.values else queryset


class CredentialAdmin(RevokeActionsMixin, ObjectActionsMixin, admin.ModelAdmin):
    """Base of the token and key admins.

    The secret is made when the add form is saved and shown once, in a message;
    only its hash (tokens) or ciphertext (keys) is kept. A user who is not a
    superuser sees, issues and revokes only their own credentials: issuing one
    for another user would let them act as that user.
    """

    list_select_related = ("user",)
    list_filter = (CredentialStatusFilter, "created_at")
    search_fields = ("name", "user__username")
    ordering = ("-created_at",)
    add_fields = ("user", "name", "expires_at")
    identity_fields = ()  # what identifies the credential publicly, shown read-only after creation
    record_fields = ("status_badge", "created_at", "last_used_at", "revoked_at")

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        return (*self.identity_fields, *self.add_fields, *self.record_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", *self.identity_fields, *self.record_fields)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
            kwargs["initial"] = request.user.pk
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        shown_once = self.assign_secret(obj)
        obj.save()
        self.message_user(request, shown_once, messages.WARNING)

    def assign_secret(self, credential) -> str:
        """Give the new credential its secret; returns the message that shows it, once."""
        raise NotImplementedError

    def revoke_one(self, credential):
        credential.revoke()

    @admin.display(description="status")
    def status_badge(self, credential):
        return display.credential_status_badge(credential)
