"""The rollout page's phase rows with their number typed and shown from 1, as people count phases.

Positions are stored from 0 (and renumbered 0, 1, 2… by transitions.set_policy);
only this form translates, so the formset and the services keep reading positions.
"""

from django import forms

from rollouts.models import RolloutPhase

MOST_PHASES = 1000


class PhaseNumberForm(forms.ModelForm):
    position = forms.IntegerField(
        label="phase", min_value=1, max_value=MOST_PHASES,
        help_text="The phase's number: phases run in this order, from 1.",
    )

    class Meta:
        model = RolloutPhase
        fields = ("position", "percentage", "min_soak", "success_threshold", "failure_threshold")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["position"] = self.instance.position + 1

    def clean_position(self):
        return self.cleaned_data["position"] - 1
