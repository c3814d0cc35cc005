"""Forms of the rollouts admin: filter conditions as JSON, phases that never shrink, action questions."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog.admin.widgets import StructuredJSONWidget
from otaportal.json_limits import JSONFormField
from rollouts import conditions
from rollouts.models import DeviceFilter, Rollout, RolloutPhase, Strategy, UpdateType
from rollouts.services import delivery, transitions


def messages_of(error: ValidationError, field: str = "") -> list[str]:
    """``["conditions[0].op: Unknown operator ...", ...]``: each message with the key it belongs to.

    Messages about ``field`` as a whole are shown on that field, without the key.
    """
    if hasattr(error, "error_dict"):
        return [message if key == field else f"{key}: {message}"
                for key, messages in error.message_dict.items() for message in messages]
    return list(error.messages)


# What the condition builder offers, from rollouts.conditions (its one definition of each operator).
CONDITION_FIELDS = [
    {"kind": "product", "label": "product key"},
    {"kind": "uid", "label": "device uid"},
    {"kind": "tags", "label": "tags"},
    {"kind": "agent_version", "label": "agent version"},
    {"kind": "attributes", "label": "attribute…", "keyed": True, "key_label": "attribute name"},
    {"kind": "installed", "label": "installed version of module…", "keyed": True, "key_label": "module"},
]
OPERATOR_LABELS = {
    "eq": "is", "ne": "is not", "in": "is one of", "prefix": "starts with", "exists": "is present",
    "contains": "include", "version_lt": "is a version older than", "version_lte": "is a version up to",
    "version_gt": "is a version newer than", "version_gte": "is a version from",
}


def condition_builder_config(preview_url: str, device_url: str) -> dict:
    """``device_url``: a device's page is found by searching the device list for its uid."""
    return {
        "fields": CONDITION_FIELDS,
        "operators": [{"name": op.name, "label": OPERATOR_LABELS[op.name], "kinds": sorted(op.fields)}
                      for op in conditions.OPERATORS.values()],
        "typed_kinds": ["attributes"],  # attribute values may be numbers or booleans as well as text
        "max_conditions": conditions.MAX_CONDITIONS,
        "preview_url": preview_url,
        "device_url": device_url,
    }


class ConditionBuilderWidget(StructuredJSONWidget):
    """The conditions as rows of field, operator and value, with a live count of the devices matching."""

    editor = "conditions"

    def __init__(self, attrs=None, config=None):
        super().__init__({"rows": 8, **(attrs or {})}, config)

    @property
    def media(self):
        return super().media + forms.Media(js=["editors/conditions.js"])


class DeviceFilterAdminForm(forms.ModelForm):
    """A filter; its conditions, built row by row (or written as JSON), checked by rollouts.conditions."""

    conditions = JSONFormField(
        required=False,
        widget=ConditionBuilderWidget,
        help_text="Every row must hold; no row matches every device. The count below follows your edits. "
                  'Without JavaScript: a JSON list of {"field", "op", "value"}, e.g. '
                  '[{"field": "attributes.region", "op": "eq", "value": "eu"}, '
                  '{"field": "installed.default", "op": "version_lt", "value": "2.0.0"}]. '
                  'See docs/rollouts.md, "Filters".',
    )

    class Meta:
        model = DeviceFilter
        fields = ["name", "description", "conditions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conditions"].widget.config = condition_builder_config(
            reverse("admin:rollouts_devicefilter_preview"), reverse("admin:devices_device_changelist"))

    def clean_conditions(self):
        value = self.cleaned_data.get("conditions")
        try:
            return conditions.validate([] if value is None else value)
        except ValidationError as error:
            raise ValidationError(messages_of(error, "conditions")) from None


class PhasesCheckedTogether:
    """A formset of phases checked as a whole, the way transitions.set_policy checks them (``specs()``)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            transitions.validate_phases(self.specs())
        except ValidationError as error:
            raise ValidationError(messages_of(error)) from None


class PhaseFormSet(PhasesCheckedTogether, forms.BaseInlineFormSet):
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


# --- plain-language help for the hawkBit and Kaa policy fields -----------------------------------

SKIP_DISPATCHING_LABEL = "Wait for a file (skipDispatchingToEndpoint)"
SKIP_DISPATCHING_HELP = (
    "Ticked: devices hear nothing of this release until a file is uploaded and verified. "
    "Unticked: a release that has no file at all is offered with its specification alone "
    "(a settings-only update). A release that has a file is offered only once that file is verified, "
    "either way."
)
UPDATE_TYPE_LABEL = "Action type"
UPDATE_TYPE_HELP = (
    "hawkBit's action types, for both device protocols (docs/rollouts.md, \"Action types\"). "
    "Forced: download and install as soon as it is offered (inside a maintenance window, if there is one). "
    "Soft: the device may put it off, for example until its user agrees. "
    "Time-forced: soft until the forced time, forced from then on. "
    "Download only: the device downloads it and does not install it."
)

# The guided flow sets no forced time: time-forced is chosen on the policy page.
GUIDE_UPDATE_TYPE_CHOICES = [(value, label) for value, label in UpdateType.choices if value != UpdateType.TIMEFORCED]
STRATEGY_CHOICES = [(Strategy.TARGETED, "Targeted: devices matching one of the filters below"),
                    (Strategy.GENERAL, "General: every device the upgrade graph allows")]


class RolloutPolicyForm(forms.ModelForm):
    """The rollout's own fields, with the Kaa and hawkBit terms explained in plain words."""

    update_type = forms.ChoiceField(choices=UpdateType.choices, widget=forms.RadioSelect,
                                    label=UPDATE_TYPE_LABEL, help_text=UPDATE_TYPE_HELP)

    class Meta:
        model = Rollout
        fields = ["strategy", *delivery.FIELDS]
        labels = {"skip_dispatching_to_endpoint": SKIP_DISPATCHING_LABEL}
        help_texts = {"skip_dispatching_to_endpoint": SKIP_DISPATCHING_HELP,
                      "strategy": "suspended: offered to nobody. A draft offers nothing whatever this says; "
                                  "the Start page makes it live."}

    def clean(self):
        """The delivery options that only hold together (a time-forced rollout's forced time…), per field."""
        cleaned = super().clean()
        options = Rollout(**{name: cleaned[name] for name in delivery.FIELDS if name in cleaned})
        try:
            delivery.check_together(options)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name, messages)
        return cleaned


# --- the guided release flow (rollouts/admin/release_guide.py) ----------------------------------

class GuideTargetForm(forms.Form):
    """Who gets the release: a strategy, the filters of a targeted rollout and the delivery options."""

    strategy = forms.ChoiceField(choices=STRATEGY_CHOICES, widget=forms.RadioSelect)
    filters = forms.ModelMultipleChoiceField(
        queryset=DeviceFilter.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Targeted: devices matching at least one. Dates from which each applies are set on the "
                  "policy page.",
    )
    skip_dispatching_to_endpoint = forms.BooleanField(required=False, label=SKIP_DISPATCHING_LABEL,
                                                      help_text=SKIP_DISPATCHING_HELP)
    update_type = forms.ChoiceField(choices=GUIDE_UPDATE_TYPE_CHOICES, widget=forms.RadioSelect,
                                    label=UPDATE_TYPE_LABEL, help_text=UPDATE_TYPE_HELP)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("strategy") == Strategy.TARGETED and not cleaned.get("filters"):
            self.add_error("filters", "A targeted rollout needs at least one filter (or choose general).")
        return cleaned

    def filter_specs(self, kept_dates: dict) -> list[transitions.FilterSpec]:
        """The chosen filters, each keeping the date it had on the policy page."""
        return [transitions.FilterSpec(device_filter, kept_dates.get(device_filter.pk))
                for device_filter in self.cleaned_data["filters"]]


class GuidePhaseForm(forms.Form):
    """One phase; a row left without a percentage is no phase."""

    percentage = forms.DecimalField(required=False, min_value=Decimal("0.01"), max_value=100,
                                    decimal_places=2, label="share of the devices (%)")
    min_soak = forms.DurationField(required=False, label="soak at least",
                                   help_text="e.g. 1:00:00 for an hour, 1 00:00:00 for a day")
    success_threshold = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=2,
                                           label="success needed (%)")
    failure_threshold = forms.DecimalField(required=False, min_value=0, max_value=100, decimal_places=2,
                                           label="failures that pause (%)")

    def spec(self) -> transitions.PhaseSpec | None:
        data = self.cleaned_data
        if not data or data.get("percentage") is None:
            return None
        given = {name: data[name] for name in ("min_soak", "success_threshold", "failure_threshold")
                 if data.get(name) is not None}
        return transitions.PhaseSpec(data["percentage"], **given)  # PhaseSpec's defaults for the rest


class BaseGuidePhaseFormSet(PhasesCheckedTogether, forms.BaseFormSet):
    def specs(self) -> list[transitions.PhaseSpec]:
        return [spec for form in self.forms if (spec := form.spec()) is not None]


GuidePhaseFormSet = forms.formset_factory(GuidePhaseForm, formset=BaseGuidePhaseFormSet, extra=2,
                                          max_num=20, validate_max=True)


def phase_initial(phases: list[RolloutPhase]) -> list[dict]:
    return [{"percentage": phase.percentage, "min_soak": phase.min_soak,
             "success_threshold": phase.success_threshold, "failure_threshold": phase.failure_threshold}
            for phase in phases]
