"""Approval requests in the admin: the step, its dry run, the policy it was asked against; Approve, Reject.

Requests are made by the rollout's own buttons and API (approvals.services), never
added here; nobody edits or deletes them. Approve and Reject ask for a comment and
go through the same services as the API and the commands.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from approvals import services
from approvals.models import (
    APPROVE_PERMISSION,
    COMMENT_MAX_LENGTH,
    REQUEST_STATE_COLOURS,
    ApprovalRequest,
    RequestState,
)
from catalog.admin.object_actions import ObjectActionsMixin, object_action
from catalog.admin.read_only import ReadOnlyAdminMixin
from otaportal.admin_display import badge


class DecisionForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=COMMENT_MAX_LENGTH,
                              help_text="Why; kept with the decision and in the audit log.")


def _pending(model_admin, request):
    return request.state == RequestState.PENDING


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdminMixin, ObjectActionsMixin, admin.ModelAdmin):
    change_form_template = "admin/catalog/change_form.html"
    list_display = ("id", "release", "product", "step", "state_badge", "requested_by", "requested_at",
                    "decided_by", "decided_at")
    list_select_related = ("rollout__release__product", "rollout__release__module", "requested_by",
                           "decided_by")
    list_filter = ("state", "step", "rollout__release__product", "requested_at")
    search_fields = ("rollout__release__version", "rollout__release__product__key", "requested_by__username",
                     "decided_by__username", "request_comment", "decision_comment")
    date_hierarchy = "requested_at"
    object_actions = ("approve", "reject")
    fields = ("release_link", "step", "state_badge", "stale", "arguments", "requested_by", "requested_at",
              "request_comment", "dry_run_table", "policy_snapshot", "decided_by", "decided_at",
              "decision_comment")
    readonly_fields = fields

    @admin.display(description="release", ordering="rollout__release__version")
    def release(self, request):
        return request.rollout.release

    @admin.display(description="product", ordering="rollout__release__product__key")
    def product(self, request):
        return request.rollout.release.product.key

    @admin.display(description="state", ordering="state")
    def state_badge(self, request):
        return badge(request.state, REQUEST_STATE_COLOURS[request.state])

    @admin.display(description="release")
    def release_link(self, request):
        url = reverse("admin:rollouts_rollout_change", args=[quote(request.rollout_id)],
                      current_app=self.admin_site.name)
        return format_html('<a href="{}">rollout of {}</a>', url, request.rollout.release)

    @admin.display(description="stale?")
    def stale(self, request):
        if request.state != RequestState.PENDING:
            return "-"
        return services.stale_reason(request) or "No: the rollout is as it was when the step was requested."

    @admin.display(description="dry run (when requested)")
    def dry_run_table(self, request):
        if request.dry_run is None:
            return request.dry_run_unavailable or "-"
        result = request.dry_run
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row["product"], row["installedVersion"] or "-", row["phase"] + 1, row["devices"])
             for row in result["rows"]))
        blockers = format_html_join("", "<li>Nobody is offered it while {}</li>",
                                    ((blocker,) for blocker in result["blockers"]))
        return format_html(
            "<p>{} device(s) at {} % ({}).</p><ul>{}</ul><table><thead><tr><th>product</th>"
            "<th>current version</th><th>phase</th><th>devices</th></tr></thead><tbody>{}</tbody></table>",
            result["total"], result["percentage"], result["strategy"], blockers, rows)

    def has_approve_permission(self, request, obj=None):
        return request.user.has_perm(APPROVE_PERMISSION)

    def _decide(self, request, approval, decision, done: str):
        form = DecisionForm(request.POST if request.method == "POST" else None)
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, "admin/approvals/approvalrequest/decide.html", {
                **self.admin_site.each_context(request), "opts": self.opts, "original": approval,
                "form": form,
                "title": f"{done} request #{approval.pk}: {approval.get_step_display().lower()}",
                "stale": services.stale_reason(approval), "change_url": self.change_page_url(approval),
                "submit": done,
            })
        try:
            decision(approval, approver=request.user, comment=form.cleaned_data["comment"])
        except services.ApprovalRefused as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return None
        self.log_and_report(request, [approval], f"{done}.", f"Request #{approval.pk}: {done.lower()}.")
        return None

    @object_action("Approve", asks_first=True, permission="approve", available=_pending)
    def approve(self, request, approval):
        return self._decide(request, approval, services.approve, "Approved")

    @object_action("Reject", asks_first=True, permission="approve", available=_pending)
    def reject(self, request, approval):
        return self._decide(request, approval, services.reject, "Rejected")
