"""Rollouts in the admin: each release's policy with its filters and phases, and the transitions.

A rollout exists for every release (rollouts.signals), so the admin neither adds
nor deletes them. Edits of the policy and every button go through
rollouts.services.transitions, like the API's and the commands', so each writes
a RolloutEvent naming the user, and the change is also kept in the admin history.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from catalog.admin.object_actions import ObjectActionsMixin, object_action
from catalog.admin.releases import ReleaseAdmin
from rollouts import policy
from rollouts.models import (
    EventKind,
    MaintenanceWindow,
    Rollout,
    RolloutFilter,
    RolloutPhase,
    RolloutState,
    Strategy,
)
from rollouts.services import dashboard, delivery, transitions
from rollouts.services.approval_rules import ApprovalStep
from rollouts.services.dry_run import dry_run

from . import approval_steps, display
from .forms import AbortForm, AdvanceForm, FilterFormSet, PauseForm, PhaseFormSet, RolloutPolicyForm, StartForm
from .list_filters import PausedByFilter
from .phase_numbers import PhaseNumberForm
from .rollout_pages import RolloutPagesMixin, counted
from .windows import RolloutWindowInline


class RolloutFilterInline(admin.TabularInline):
    model = RolloutFilter
    formset = FilterFormSet
    fields = ("filter", "rollout_date")
    autocomplete_fields = ("filter",)
    extra = 0
    verbose_name = "filter"
    verbose_name_plural = "filters (targeted: devices matching one of them, from its date on)"


class RolloutPhaseInline(admin.TabularInline):
    model = RolloutPhase
    form = PhaseNumberForm  # numbered from 1 on the page, stored from 0
    formset = PhaseFormSet
    fields = ("position", "percentage", "min_soak", "success_threshold", "failure_threshold")
    ordering = ("position",)
    extra = 0
    verbose_name_plural = "phases (none: every eligible device at once)"


# The list shows this much of a pause reason; the whole of it is the cell's tooltip and on the progress page.
PAUSE_REASON_SHOWN = 160


def _is(*states):
    return lambda model_admin, rollout: rollout.state in states


def _can_advance(model_admin, rollout):
    return rollout.state == RolloutState.RUNNING and rollout.strategy != Strategy.SUSPENDED


@admin.register(Rollout)
class RolloutAdmin(RolloutPagesMixin, ObjectActionsMixin, admin.ModelAdmin):
    change_form_template = "admin/rollouts/rollout/change_form.html"
    form = RolloutPolicyForm  # skipDispatchingToEndpoint and the hawkBit update type in plain words
    # An overview that fits 1,400 px beside the admin's sidebars (tests/console/test_browser.py): the release names
    # its product, the state cell carries the strategy and the pause reason, one cell both rates.
    list_display = ("release", "state_and_reason", "phase", "progress", "outcome_rates")
    list_select_related = ("release__product", "release__module__product")
    list_filter = ("strategy", "state", PausedByFilter, "release__product")
    search_fields = ("release__version", "release__product__key", "release__module__name")
    ordering = ("release__product__key", "release__module__name", "-release__version_key")
    inlines = (RolloutFilterInline, RolloutPhaseInline, RolloutWindowInline)
    object_actions = ("start", "advance", "pause", "resume", "abort")
    fieldsets = [
        (None, {"fields": ("release_link", "strategy", "skip_dispatching_to_endpoint", "update_type", "forced_at",
                           "requires_confirmation")}),
        ("Progress timeouts", {"fields": ("download_timeout", "install_timeout"),
                               "description": "A stalled update times out and counts as a failure."}),
        ("Retries", {"fields": ("max_attempts", "retry_backoff", "retry_rolled_back"),
                     "description": "A failed or timed-out device is offered the release again, after a back-off "
                                    "that doubles with each attempt; the last failure is final."}),
        ("Rate budget", {"fields": ("offers_per_minute", "rate_growth_factor", "rate_growth_every"),
                         "description": "At most so many new offers a minute, shared by every host; optionally "
                                        "growing after each step of successes (AWS IoT Jobs' exponential rate)."}),
        ("State", {"fields": ("state_badge", "state_reason", "phase", "phase_started_at",
                              "progress_link")}),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    ]
    readonly_fields = ("release_link", "state_badge", "state_reason", "phase", "phase_started_at",
                       "progress_link", "created_at", "updated_at")
    policy_fields = ("strategy", *delivery.FIELDS)

    class Media:
        css = {"all": ["catalog/admin.css", "rollouts/admin.css", "editors/editors.css", "console/console.css"]}

    def get_queryset(self, request):
        """With each rollout's update counts and phase, for the list's columns (one query for the page)."""
        return dashboard.with_progress(
            super().get_queryset(request).select_related("release__product", "release__module__product"))

    def has_add_permission(self, request):
        return False  # every release has its rollout already

    def has_delete_permission(self, request, obj=None):
        return False  # deleted with its release

    # --- columns ----------------------------------------------------------------------------

    @admin.display(description="strategy", ordering="strategy")
    def strategy_badge(self, rollout):
        return display.strategy_badge(rollout.strategy)

    @admin.display(description="state", ordering="state")
    def state_badge(self, rollout):
        return display.state_badge(rollout.state)

    @admin.display(description="phase", ordering="current_phase")
    def phase(self, rollout):
        return display.phase_text(rollout)

    @admin.display(description="installed", ordering="updates_succeeded")
    def progress(self, rollout):
        """Share of the devices offered the release that installed it, as a link to the progress page."""
        rate = dashboard.progress_rate(rollout)
        text = f"{rate.percent:.0f} % of {rate.whole}" if rate.percent is not None else "none offered"
        return format_html('<a href="{}" class="ota-progress-link">{}{}</a>', self.page_url("progress", rollout),
                           display.outcome_bar(rollout), text)

    @admin.display(description="state", ordering="state")
    def state_and_reason(self, rollout):
        """The state, the strategy under it and, when paused, why and by whom: one narrow column."""
        reason = ""
        if rollout.state == RolloutState.PAUSED:
            who = "automatically" if rollout.paused_by == EventKind.AUTO_PAUSED else "by an operator"
            reason = format_html('<div class="ota-pause-reason" title="{}">Paused {}: {}</div>', rollout.state_reason,
                                 who, Truncator(rollout.state_reason).chars(PAUSE_REASON_SHOWN))
        return format_html('{}<div class="ota-strategy">{}</div>{}', display.state_badge(rollout.state),
                           rollout.strategy, reason)

    @admin.display(description="success / failure")
    def outcome_rates(self, rollout):
        return format_html("{} / {}", display.rate_text(dashboard.success_rate(rollout), "outcomes succeeded"),
                           display.rate_text(dashboard.failure_rate(rollout), "outcomes failed or rolled back"))

    @admin.display(description="release")
    def release_link(self, rollout):
        url = reverse("admin:catalog_release_change", args=[quote(rollout.release_id)],
                      current_app=self.admin_site.name)
        return format_html('<a href="{}">{}</a>', url, rollout.release)

    @admin.display(description="progress")
    def progress_link(self, rollout):
        return format_html('<a href="{}">counts, failures, dry run</a>', self.page_url("progress", rollout))

    # --- saving the policy through set_policy ------------------------------------------------

    def save_model(self, request, obj, form, change):
        """Nothing yet: the rollout, its filters and phases are written together in save_related."""

    def save_related(self, request, form, formsets, change):
        # Maintenance windows are saved by their inline, not through set_policy (rollouts.admin.windows).
        for formset in formsets:
            if formset.model is MaintenanceWindow:
                formset.save()
        formsets = [formset for formset in formsets if formset.model is not MaintenanceWindow]
        changed = form.has_changed() or any(formset.has_changed() for formset in formsets)
        for formset in formsets:
            formset.save(commit=False)  # fills the lists the admin's history message is made of
        if not changed:
            return
        policy = {name: form.cleaned_data[name] for name in self.policy_fields}
        for formset in formsets:
            if isinstance(formset, FilterFormSet):
                policy["filters"] = formset.specs()
            elif isinstance(formset, PhaseFormSet):
                policy["phases"] = formset.specs()
        # Switching a live rollout to general may become an approval request (the edit then waits with it).
        self._transition(request, form.instance, approval_steps.step(ApprovalStep.GENERAL),
                         "Changed the policy of", **policy)

    # --- buttons ------------------------------------------------------------------------------

    def _transition(self, request, rollout, function, done: str, **kwargs):
        """Run a transition, record it in the admin history and say what happened (or why not)."""
        try:
            outcome = function(rollout, actor=request.user, **kwargs)
        except (transitions.TransitionError, ValidationError, *approval_steps.REFUSED) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, f"{rollout.release}: {message}", messages.ERROR)
            return rollout
        if not isinstance(outcome, Rollout):  # the step waits for approval (approvals.services)
            approval_steps.report_request(self, request, rollout, outcome)
            return rollout
        rollout = outcome
        self.log_and_report(request, [rollout], f"{done} the rollout.", f"{rollout.release}: {done.lower()}.")
        return rollout

    @object_action("Pause", available=_is(RolloutState.RUNNING))
    def pause(self, request, rollout):
        form = PauseForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        self._transition(request, rollout, transitions.pause, "Paused",
                         reason=reason or f"paused in the admin by {request.user}")

    @object_action("Resume", available=_is(RolloutState.PAUSED))
    def resume(self, request, rollout):
        self._transition(request, rollout, approval_steps.step(ApprovalStep.RESUME), "Resumed")

    @object_action("Abort", asks_first=True, available=lambda model_admin, rollout: rollout.state != RolloutState.ABORTED)
    def abort(self, request, rollout):
        form = AbortForm(request.POST if request.method == "POST" else None)
        if not form.is_valid():
            return self.render_page(request, rollout, "abort.html", f"Abort the rollout of {rollout.release}",
                                    form=form)
        self._transition(request, rollout, transitions.abort, "Aborted", reason=form.cleaned_data["reason"])

    @object_action("Start", asks_first=True,
                   available=lambda model_admin, rollout: (rollout.strategy == Strategy.SUSPENDED
                                                           or rollout.state in (RolloutState.DRAFT,
                                                                                RolloutState.ABORTED)))
    def start(self, request, rollout):
        """Ask for the strategy, showing who would be offered the release at the first phase."""
        initial = rollout.strategy if rollout.strategy != Strategy.SUSPENDED else (
            Strategy.TARGETED if rollout.rollout_filters.exists() else Strategy.GENERAL)
        form = StartForm(request.POST if request.method == "POST" else request.GET or {"strategy": initial})
        if request.method == "POST" and form.is_valid():
            self._transition(request, rollout, approval_steps.step(ApprovalStep.START), "Started",
                             strategy=form.cleaned_data["strategy"])
            return None
        first = rollout.phases.order_by("position").first()
        strategy = form.cleaned_data["strategy"] if form.is_valid() else initial
        preview, unavailable = counted(dry_run, rollout.release, strategy=strategy,
                                       **({"phase": first.position} if first else {"percentage": 100}))
        return self.render_page(request, rollout, "start.html", f"Start the rollout of {rollout.release}",
                                form=form, result=preview, unavailable=unavailable)

    @object_action("Advance phase", asks_first=True, available=_can_advance)
    def advance(self, request, rollout):
        """Show the next phase, what holds the current one back and who the next one reaches; then widen."""
        form = AdvanceForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            self._transition(request, rollout, approval_steps.step(ApprovalStep.WIDEN), "Advanced",
                             force=form.cleaned_data["force"])
            return None
        phases = list(rollout.phases.order_by("position"))
        current = transitions.phase_in_force(rollout, phases)
        following = next((phase for phase in phases if current and phase.position > current.position), None)
        preview, unavailable = counted(dry_run, rollout.release, phase=following.position) if following else (
            None, None)
        return self.render_page(
            request, rollout, "advance.html", f"Advance the rollout of {rollout.release}", form=AdvanceForm(),
            current=current, following=following,
            blockers=transitions.advance_blockers(rollout, current) if current else [],
            result=preview, unavailable=unavailable,
        )


def release_rollout_links(request, release):
    """The release page's links to its rollout policy and progress (registered on the catalog's admin)."""
    rollout = Rollout.objects.filter(release=release).first()
    if rollout is None or not request.user.has_perm("rollouts.view_rollout"):
        return None
    return "Rollout policy and progress", reverse("admin:rollouts_rollout_change", args=[quote(rollout.pk)])


def release_rollout_section(request, release):
    """The rollout policy on the release page: strategy, state, filters with their dates, phases, and
    why the release is left out of its product's offers when its policy could not be cached."""
    rollout = (Rollout.objects.filter(release=release)
               .prefetch_related("rollout_filters__filter", "phases").first())
    if rollout is None or not request.user.has_perm("rollouts.view_rollout"):
        return None
    return render_to_string("admin/rollouts/rollout/release_section.html", {
        "rollout": rollout,
        "filters": list(rollout.rollout_filters.all()),
        "phases": sorted(rollout.phases.all(), key=lambda phase: phase.position),
        "strategy": display.strategy_badge(rollout.strategy),
        "state": display.state_badge(rollout.state),
        "left_out": policy.left_out(release),
        "policy_url": reverse("admin:rollouts_rollout_change", args=[quote(rollout.pk)]),
        "progress_url": reverse("admin:rollouts_rollout_progress", args=[quote(rollout.pk)]),
    }, request=request)


ReleaseAdmin.page_links.append(release_rollout_links)
ReleaseAdmin.page_sections.append(release_rollout_section)
