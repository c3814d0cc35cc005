from django.contrib import admin
from django.utils.html import format_html

from catalog.models import AccessKey

from .credentials import CredentialAdmin


@admin.register(AccessKey)
class AccessKeyAdmin(CredentialAdmin):
    list_display = ("access_key_id", "name", "user", "status_badge", "last_used_at", "expires_at",
                    "created_at")
    search_fields = (*CredentialAdmin.search_fields, "access_key_id")
    identity_fields = ("access_key_id",)

    def assign_secret(self, key):
        secret = key.assign_secret()
        return format_html(
            'Access key id <code class="ota-secret">{}</code>, secret access key (shown only this once) '
            '<code class="ota-secret">{}</code>', key.access_key_id, secret,
        )
