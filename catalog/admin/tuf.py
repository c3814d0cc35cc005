"""Each product's TUF repository as it stands: versions, expiries, key ids, last signing. Read-only:
keys change through the ceremonies (tuf_init, tuf_rotate_key, tuf_sign_root; docs/tuf.md)."""

from django.contrib import admin
from django.db.models import Prefetch
from django.utils.html import format_html_join

from catalog.admin.read_only import ReadOnlyAdminMixin
from catalog.models import TufKey, TufRepository, TufRole
from catalog.services import tuf


@admin.register(TufRepository)
class TufRepositoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("product", "roles", "last_signed_at", "waits_for_offline_root")
    list_select_related = ("product",)
    search_fields = ("product__key",)
    # "Not empty": the repositories waiting for a root signed offline (tuf_sign_root).
    list_filter = (("pending_root", admin.EmptyFieldListFilter),)
    fields = ("product", "roles", "last_signed_at", "waits_for_offline_root", "created_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(
            Prefetch("metadata", queryset=tuf.latest_versions(), to_attr="latest_metadata"),
            Prefetch("keys", queryset=TufKey.objects.filter(retired_at__isnull=True),
                     to_attr="unretired_keys"),
        )

    @admin.display(description="roles: version, expires, key id")
    def roles(self, repository):
        versions = {metadata.role: metadata for metadata in repository.latest_metadata}
        keys = {key.role: key for key in repository.unretired_keys if not key.pending}
        pending = {key.role: key for key in repository.unretired_keys if key.pending}
        return format_html_join(
            "", "<div>{} v{} · expires {} · key {}{}{}</div>",
            ((role, _version(versions.get(role)), _expiry(versions.get(role)), keys[role].keyid[:16],
              "" if keys[role].is_online else " (offline)", _next_key(pending.get(role)))
             for role in TufRole.values if role in keys),
        )

    @admin.display(boolean=True, description="waits for offline root")
    def waits_for_offline_root(self, repository):
        return repository.pending_root is not None


def _version(metadata) -> str:
    return str(metadata.version) if metadata else "–"


def _next_key(key) -> str:
    return f" · next key {key.keyid[:16]} (once the signed root is imported)" if key else ""


def _expiry(metadata) -> str:
    return metadata.expires.strftime("%Y-%m-%d %H:%M UTC") if metadata else "never signed"
