"""Forms of the catalog admin: the release page's upload field, the deprecation reason, token scopes."""

from django import forms

from catalog.models import ApiToken, Release, Scope
from catalog.services.artifacts import check_size, clean_file_name
from otaportal.json_limits import JSONFormField


class ReleaseAdminForm(forms.ModelForm):
    """A release, plus an optional file that becomes its artifact when the form is saved."""

    artifact_file = forms.FileField(
        required=False, label="Upload artifact",
        help_text="Stored in the artifact storage and verified in the background; replaces any earlier file. "
                  "A verified file is served until the new one is verified too.",
    )

    class Meta:
        model = Release
        exclude = ["product"]  # follows from the module
        field_classes = {"specification": JSONFormField, "metadata": JSONFormField}

    def clean_artifact_file(self):
        upload = self.cleaned_data.get("artifact_file")
        if upload:
            clean_file_name(upload.name)
            check_size(upload.size)
        return upload


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
