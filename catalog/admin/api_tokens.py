from django.contrib import admin
from django.utils.html import format_html

from catalog.models import ApiToken

from .credentials import CredentialAdmin
from .forms import ApiTokenAdminForm


@admin.register(ApiToken)
class ApiTokenAdmin(CredentialAdmin):
    form = ApiTokenAdminForm
    list_display = ("prefix", "name", "user", "scope_list", "status_badge", "last_used_at", "expires_at",
                    "created_at")
    search_fields = (*CredentialAdmin.search_fields, "prefix")
    add_fields = ("user", "name", "scopes", "expires_at")
    identity_fields = ("prefix",)

    def assign_secret(self, token):
        plaintext = token.assign_secret()
        return format_html('The new token, shown only this once: <code class="ota-secret">{}</code>',
                           plaintext)

    @admin.display(description="scopes")
    def scope_list(self, token):
        return ", ".join(token.scopes) or "all"
