"""Forms of the rollouts admin: filter conditions as JSON, phases that never shrink, action questions."""

from django import forms
from django.core.exceptions import ValidationError

from otaportal.json_limits import JSONFormField
from rollouts import conditions
from rollouts.models import DeviceFilter, Strategy
from rollouts.services import transitions


def messages_of(error: ValidationError, field: str = "") -> list[str]:
    """``["conditions[0].op: Unknown operator ...", ...]``: each message with the key it belongs to.

    Messages about ``field`` as a whole are shown on that field, without the key.
    """
    if hasattr(error, "error_dict"):
        return [message if key == field else f"{key}: {message}"
                for key, messages in error.message_dict.items() for message in messages]
    return list(error.messages)


class DeviceFilterAdminForm(forms.ModelForm):
    """A filter; its conditions are edited as JSON and checked by rollouts.conditions."""

    conditions = JSONFormField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "class": "vLargeTextField"}),
        help_text='A JSON list of {"field", "op", "value"} that must all hold, e.g. '
                  '[{"field": "attributes.region", "op": "eq", "value": "eu"}, '
                  '{"field": "installed.default", "op": "version_lt", "value": "2.0.0"}]. '
                  "[] matches every device. See docs/rollouts.md, \"Filters\".",
    )

    class Meta:
        model = DeviceFilter
        fields = ["name", "description", "conditions"]

    def clean_conditions(self):
        value = self.cleaned_data.get("conditions")
        try:
            return conditions.validate([] if value is None else value)
        except ValidationError as error:
            raise ValidationError(messages_of(error, "conditions")) from None


class PhaseFormSet(forms.BaseInlineFormSet):
    """The rollout's phases, checked as a whole the way transitions.set_policy checks them."""

    def kept_forms(self):
        """Filled-in forms not marked for deletion, by position (unchanged extra forms have no data)."""
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        return sorted(kept, key=lambda form: form.cleaned_data["position"])

    def specs(self) -> list[transitions.PhaseSpec]:
        return [
            transitions.PhaseSpec(form.cleaned_data["percentage"], form.cleaned_data["min_soak"],
                                  form.cleaned_data["success_threshold"], form.cleaned_data["failure_threshold"])
            for form in self.kept_forms()
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            transitions.validate_phases(self.specs())
        except ValidationError as error:
            raise ValidationError(messages_of(error)) from None


class FilterFormSet(forms.BaseInlineFormSet):
    def specs(self) -> list[transitions.FilterSpec]:
        return [
            transitions.FilterSpec(form.cleaned_data["filter"], form.cleaned_data.get("rollout_date"))
            for form in self.forms
            if form.cleaned_data and form.cleaned_data.get("filter") and not form.cleaned_data.get("DELETE")
        ]


class PauseForm(forms.Form):
    reason = forms.CharField(required=False, max_length=500)


class AbortForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded with the rollout; offers not yet being installed are canceled.",
    )


class StartForm(forms.Form):
    strategy = forms.ChoiceField(
        choices=[(Strategy.TARGETED, "targeted: devices matching a filter whose date has passed"),
                 (Strategy.GENERAL, "general: every device the upgrade graph allows")],
        widget=forms.RadioSelect,
    )


class AdvanceForm(forms.Form):
    force = forms.BooleanField(
        required=False, label="Advance even if the phase has not proved itself",
        help_text="Skips the soak time and the success threshold; recorded as forced.",
    )


class DryRunForm(forms.Form):
    percentage = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2,
        help_text="Share of the eligible devices; empty: the current phase's.",
    )
    strategy = forms.ChoiceField(
        required=False, choices=[("", "the rollout's"), (Strategy.TARGETED, "targeted"),
                                 (Strategy.GENERAL, "general")],
    )


class ExplainForm(forms.Form):
    device = forms.CharField(label="Device uid", max_length=128)
