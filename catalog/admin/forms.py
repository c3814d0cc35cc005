"""Forms of the catalog admin: the release page's upload and editors, the deprecation reason, token scopes."""

from collections import defaultdict

from django import forms

from catalog.models import MAX_SOURCE_VERSIONS, ApiToken, Release, Scope
from catalog.services.artifacts import check_size, clean_file_name
from otaportal.json_limits import JSONFormField

from .widgets import KeyValueWidget, VersionPickerWidget

# The picker offers this many of each module's newest versions; older ones can still be typed in.
PICKABLE_VERSIONS_PER_MODULE = 200
PICKABLE_VERSIONS_IN_ALL = 5000


def known_versions_by_module(module_id=None) -> dict[str, list[str]]:
    """``{module id: [version, ...]}``, newest first: what the source-version picker offers."""
    releases = Release.objects.order_by("module_id", "-version_key", "-version")
    if module_id is not None:
        releases = releases.filter(module_id=module_id)
    versions = defaultdict(list)
    for module, version in releases.values_list("module_id", "version")[:PICKABLE_VERSIONS_IN_ALL]:
        if len(versions[str(module)]) < PICKABLE_VERSIONS_PER_MODULE:
            versions[str(module)].append(version)
    return dict(versions)


def checked_upload(upload):
    """The uploaded file, once its name and size pass the checks of catalog.services.artifacts."""
    if upload:
        clean_file_name(upload.name)
        check_size(upload.size)
    return upload


class ArtifactUploadForm(forms.Form):
    """A file for a release (the release page and the guided release flow)."""

    artifact_file = forms.FileField(
        required=False, label="Upload artifact",
        help_text="Stored in the artifact storage and verified in the background; replaces any earlier file. "
                  "A verified file is served until the new one is verified too.",
    )

    def clean_artifact_file(self):
        upload = checked_upload(self.cleaned_data.get("artifact_file"))
        if not upload:
            raise forms.ValidationError("Choose the file to upload.")
        return upload


class ReleaseAdminForm(forms.ModelForm):
    """A release, plus an optional file that becomes its artifact when the form is saved."""

    artifact_file = ArtifactUploadForm.base_fields["artifact_file"]

    class Meta:
        model = Release
        exclude = ["product"]  # follows from the module
        field_classes = {"specification": JSONFormField, "metadata": JSONFormField,
                         "allowed_source_versions": JSONFormField}
        widgets = {"specification": KeyValueWidget, "metadata": KeyValueWidget,
                   "allowed_source_versions": VersionPickerWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        picker = self.fields.get("allowed_source_versions")
        if picker is None or not isinstance(picker.widget, VersionPickerWidget):
            return  # shown read-only: no picker
        module_id = self.instance.module_id if self.instance.pk else None
        # Without JavaScript the list is typed as JSON, as before: say so, and what the picker is for.
        picker.help_text = (f"Versions this release can be installed over (at most {MAX_SOURCE_VERSIONS}); "
                            "none ticked means any. Without JavaScript: a JSON list such as "
                            '["1.0.0", "1.1.0"].')
        versions = known_versions_by_module(module_id)
        if module_id:  # a release is not installed over itself
            versions[str(module_id)] = [version for version in versions.get(str(module_id), [])
                                        if version != self.instance.version]
        picker.widget.config = {
            "versions": versions,
            "module_field": "" if module_id else self.add_prefix("module"),
            "module": str(module_id or ""),
            "max": MAX_SOURCE_VERSIONS,
        }

    def clean_artifact_file(self):
        return checked_upload(self.cleaned_data.get("artifact_file"))


class DeprecateForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown to API clients as the deprecation reason.",
    )


class ApiTokenAdminForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for a token that may do everything its user may.",
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scopes", "expires_at"]

    def clean_scopes(self):
        return sorted(self.cleaned_data["scopes"])
