from functools import partial

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalog.choices import ArtifactState, ChecksumSource, ReleaseStatus
from catalog.models import Module, Release
from catalog.services import artifacts
from catalog.services.releases import deprecate_release
from catalog.storage import StorageError
from otaportal import admin_display

from . import display
from .filters import ArtifactStateFilter, ModuleFilter
from .forms import DeprecateForm, ReleaseAdminForm
from .object_actions import ObjectActionsMixin, object_action
from .verification import VerifyAgainMixin


@admin.register(Release)
class ReleaseAdmin(VerifyAgainMixin, ObjectActionsMixin, admin.ModelAdmin):
    form = ReleaseAdminForm
    page_links = []  # filled by apps that build on releases (rollouts/admin/rollouts.py)
    page_sections = []
    #: Pages of apps that build on releases, ``(name, view(model_admin, request, release))``, served at
    #: ``<id>/<name>/`` as ``admin:catalog_release_<name>`` (rollouts/admin/release_guide.py adds the guide).
    page_views = []
    #: The page "Save and continue in the guide" opens after adding a release (a page_views name).
    guide_page = ""
    change_form_template = "admin/catalog/release/change_form.html"
    list_display = ("version", "product", "module_name", "status_badge", "artifact_badge", "artifact_size",
                    "checksum_source", "created_at")
    list_display_links = ("version",)
    # module__product: each row's str() (the checkbox's label) names the module with its product.
    list_select_related = ("product", "module__product", "artifact")
    list_filter = ("product", ("module", ModuleFilter), "status", ArtifactStateFilter, "checksum_computed",
                   "package_type")
    search_fields = ("version", "release_notes", "description", "product__key", "product__name",
                     "module__name", "artifact__file_name", "artifact__sha256")
    # Newest first within a module, by the semantic order of catalog.versioning.
    ordering = ("product__key", "module__name", "-version_key", "-version")
    actions = ("verify_again_selected", "deprecate_selected")
    object_actions = ("verify_again", "deprecate")
    readonly_fields = ("public_id", "version_key", "status_badge", "deprecate_reason", "deprecated_at",
                       "artifact_badge", "artifact_link", "artifact_sha256", "artifact_size",
                       "artifact_failure", "artifact_verified_at", "checksum_source", "replacement",
                       "created_at", "updated_at")
    identity_fields = ("module", "version")
    declared_fields = ("declared_sha256", "declared_size")
    release_fields = ("package_type", "release_notes", "description", "min_agent_version",
                      "allowed_source_versions", "custom_info")
    payload_fields = ("specification", "metadata")
    payload_fieldset = ("Device payload", {"fields": payload_fields, "classes": ("collapse",)})
    unreadable_payload_fieldset = ("Device payload", {"fields": ("payload_unreadable",)})

    def get_object(self, request, object_id, from_field=None):
        try:
            return super().get_object(request, object_id, from_field)
        except RecursionError:
            # A payload nested deeper than a request can decode, written around validation (raw SQL):
            # the page still opens, without it, so that the release can be deprecated or its payload replaced.
            return self.get_queryset(request).defer(*self.payload_fields).filter(pk=object_id).first()

    def _payload_unreadable(self, obj) -> bool:
        return obj is not None and bool(set(self.payload_fields) & obj.get_deferred_fields())

    @admin.display(description="Device payload")
    def payload_unreadable(self, obj):
        return ("Nested too deep to read here (it was written around the API's validation). "
                "Replace the specification and metadata through the versions API.")

    def get_fieldsets(self, request, obj=None):
        if self._payload_unreadable(obj):
            return [(name, options) if name != self.payload_fieldset[0] else self.unreadable_payload_fieldset
                    for name, options in self._fieldsets(obj)]
        return self._fieldsets(obj)

    def _fieldsets(self, obj):
        if obj is None:
            return [
                (None, {"fields": (*self.identity_fields, *self.release_fields)}),
                ("Artifact", {"fields": ("artifact_file", *self.declared_fields)}),
                self.payload_fieldset,
            ]
        return [
            (None, {"fields": (*self.identity_fields, *self.release_fields)}),
            ("Artifact", {"fields": ("artifact_badge", "artifact_file", "artifact_link",
                                     *self.declared_fields, "checksum_source", "artifact_sha256",
                                     "artifact_size", "artifact_failure", "artifact_verified_at",
                                     "replacement")}),
            ("Status", {"fields": ("status_badge", "deprecate_reason", "deprecated_at")}),
            self.payload_fieldset,
            ("Record", {"fields": ("public_id", "version_key", "created_at", "updated_at"),
                        "classes": ("collapse",)}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fixed = self.identity_fields
        # The declared checksum and size are copied to the artifact when it is uploaded;
        # editing them afterwards would change nothing that is checked.
        if obj.artifact_or_none is not None:
            fixed += self.declared_fields
        if self._payload_unreadable(obj):
            fixed += ("payload_unreadable",)
        return (*self.readonly_fields, *fixed)

    # --- the artifact's state for pages that watch it, and the pages of other apps ---

    def get_urls(self):
        own = [path("<path:object_id>/artifact-state/", self.admin_site.admin_view(self.artifact_state_view),
                    name="catalog_release_artifact_state")]
        pages = [path(f"<path:object_id>/{name}/",
                      self.admin_site.admin_view(partial(self._page_view, view=view)),
                      name=f"catalog_release_{name}") for name, view in self.page_views]
        return [*own, *pages, *super().get_urls()]

    def _release_or_404(self, request, object_id):
        release = self.get_object(request, unquote(object_id))
        if release is None:
            raise Http404(f"No release with the id {object_id!r}.")
        if not self.has_view_permission(request, release):
            raise PermissionDenied
        return release

    def _page_view(self, request, object_id, view):
        return view(self, request, self._release_or_404(request, object_id))

    def artifact_state_view(self, request, object_id):
        """``{"artifact": {...}, "replacement": {...} | null, "settled"}``: polled by the guide's badge."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        release = self._release_or_404(request, object_id)
        artifact, candidate = release.artifact_or_none, release.artifact_candidate_or_none
        unsettled = {ArtifactState.PENDING, ArtifactState.VERIFYING}
        files = [item for item in (artifact, candidate) if item is not None]
        settled = artifact is not None and all(item.state not in unsettled for item in files)
        # Not cached: admin_view marks every admin answer no-store.
        return JsonResponse({
            "artifact": display.artifact_state(artifact),
            "replacement": display.artifact_state(candidate) if candidate else None,
            "settled": settled,
        })

    def response_add(self, request, obj, post_url_continue=None):
        if "_guide" in request.POST and self.guide_page:
            guide = reverse(f"admin:catalog_release_{self.guide_page}", args=[quote(obj.pk)],
                            current_app=self.admin_site.name)
            return HttpResponseRedirect(guide)
        return super().response_add(request, obj, post_url_continue)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["guide_page"] = self.guide_page
        if obj is not None and obj.artifact_or_none is not None:
            context["artifact_state_url"] = reverse("admin:catalog_release_artifact_state",
                                                    args=[quote(obj.pk)], current_app=self.admin_site.name)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url,
                                          obj=obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "module":
            kwargs["queryset"] = Module.objects.select_related("product")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("artifact_file")
        if not upload:
            return
        try:
            artifact = artifacts.upload(obj, upload, upload.name)
        except StorageError as error:
            self.message_user(request, f"{upload.name} could not be stored: {error}", messages.ERROR)
            return
        staged = " It replaces the verified file once verified itself." if artifact.candidate_for_id else ""
        self.message_user(request, f"Uploaded {artifact.file_name} ({upload.size} bytes); "
                                   f"verification queued.{staged}", messages.SUCCESS)

    def artifact_of(self, release):
        return release.artifact_or_none

    # --- deprecation: asks for a reason first, on the changelist and on the change page ---

    @admin.action(description="Deprecate selected releases…", permissions=["change"])
    def deprecate_selected(self, request, queryset):
        form = DeprecateForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._deprecate(request, list(queryset), form.cleaned_data["reason"])
            return None
        return self._deprecation_page(request, list(queryset), form, from_changelist=True)

    @object_action("Deprecate", asks_first=True,
                   available=lambda model_admin, release: release.status == ReleaseStatus.ACTIVE)
    def deprecate(self, request, release):
        form = DeprecateForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            self._deprecate(request, [release], form.cleaned_data["reason"])
            return None
        return self._deprecation_page(request, [release], form, from_changelist=False)

    def _deprecate(self, request, releases, reason):
        with transaction.atomic():
            for release in releases:
                deprecate_release(release, reason)
            self.log_and_report(request, releases, f"Deprecated: {reason}",
                                f"Deprecated {len(releases)} release(s).")

    def _deprecation_page(self, request, releases, form, *, from_changelist):
        context = {
            **self.admin_site.each_context(request),
            "title": "Deprecate releases" if from_changelist else f"Deprecate {releases[0]}",
            "opts": self.opts,
            "releases": releases,
            "form": form,
            "from_changelist": from_changelist,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/catalog/release/deprecate.html", context)

    # --- computed columns and fields ---

    @admin.display(description="module", ordering="module__name")
    def module_name(self, release):
        return release.module.name

    @admin.display(description="status", ordering="status")
    def status_badge(self, release):
        return display.release_status_badge(release)

    @admin.display(description="artifact", ordering="artifact__state")
    def artifact_badge(self, release):
        return display.artifact_badge(release.artifact_or_none)

    @admin.display(description="file")
    def artifact_link(self, release):
        artifact = release.artifact_or_none
        return admin_display.admin_link(artifact, artifact.file_name) if artifact else admin_display.EMPTY

    @admin.display(description="computed SHA-256")
    def artifact_sha256(self, release):
        artifact = release.artifact_or_none
        return (artifact.sha256 if artifact else "") or admin_display.EMPTY

    @admin.display(description="size", ordering="artifact__size")
    def artifact_size(self, release):
        artifact = release.artifact_or_none
        return admin_display.byte_size(artifact.size if artifact else None)

    @admin.display(description="failure reason")
    def artifact_failure(self, release):
        artifact = release.artifact_or_none
        return (artifact.failure if artifact else "") or admin_display.EMPTY

    @admin.display(description="checksum", ordering="checksum_computed")
    def checksum_source(self, release):
        source = release.checksum_source
        return ChecksumSource(source).label if source else admin_display.EMPTY

    @admin.display(description="replacement")
    def replacement(self, release):
        """A file uploaded over the verified one: its state, and why it failed if it did."""
        candidate = release.artifact_candidate_or_none
        if candidate is None:
            return admin_display.EMPTY
        return format_html("{} {} {}", display.artifact_badge(candidate),
                           admin_display.admin_link(candidate, candidate.file_name), candidate.failure)

    @admin.display(description="verified at")
    def artifact_verified_at(self, release):
        artifact = release.artifact_or_none
        return admin_display.moment(artifact.verified_at if artifact else None)
