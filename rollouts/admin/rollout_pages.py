"""The read-only pages of a rollout in the admin: progress, dry run and explain.

Each page reads through the services the APIs and commands use
(rollouts.services.progress, rollouts.services.dry_run, rollouts.decision) and
takes a constant number of queries whatever the number of devices, except the
dry run, which is one grouped query over the fleet and therefore a page of its own.
"""

from functools import partial

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import NotSupportedError, connection
from django.http import Http404, HttpResponseNotAllowed
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from devices.models import Device
from rollouts import decision
from rollouts.models import Rollout
from rollouts.services.dry_run import dry_run

from . import display
from .forms import DryRunForm, ExplainForm
from .progress import progress_context

# Dry runs and filter previews are SQL over JSON fields that PostgreSQL evaluates;
# on another database (the SQLite of `make run`) the pages say so instead of failing.
NEEDS_POSTGRESQL = "Counting devices needs PostgreSQL; this database is {vendor}."
PAGES = ("progress", "dry_run", "explain")


def counted(function, *args, **kwargs):
    """``(result, None)``, or ``(None, why)`` when the database cannot run the count."""
    try:
        return function(*args, **kwargs), None
    except NotSupportedError:
        return None, NEEDS_POSTGRESQL.format(vendor=connection.vendor)


class RolloutPagesMixin:
    """Adds ``<id>/progress/``, ``<id>/dry-run/`` and ``<id>/explain/`` (GET only, view permission)."""

    def get_urls(self):
        pages = [
            path(f"<path:object_id>/{name.replace('_', '-')}/",
                 self.admin_site.admin_view(partial(self._page_view, name=name)),
                 name=f"{self.opts.app_label}_{self.opts.model_name}_{name}")
            for name in PAGES
        ]
        return pages + super().get_urls()

    def page_url(self, name, rollout):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=[quote(rollout.pk)],
                       current_app=self.admin_site.name)

    def _page_view(self, request, object_id, name):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        rollout = self.get_object(request, unquote(object_id))
        if rollout is None:
            raise Http404(f"No rollout with the id {object_id!r}.")
        if not self.has_view_permission(request, rollout):
            raise PermissionDenied
        return getattr(self, f"{name}_page")(request, rollout)

    def render_page(self, request, rollout, template, title, **context):
        return TemplateResponse(request, f"admin/rollouts/rollout/{template}", {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": rollout, "rollout": rollout, "title": title,
            "release": rollout.release, "media": self.media,
            "links": {name: self.page_url(name, rollout) for name in PAGES},
            "change_url": self.change_page_url(rollout),
            "release_url": reverse("admin:catalog_release_change", args=[quote(rollout.release_id)],
                                   current_app=self.admin_site.name),
            "strategy_badge": display.strategy_badge(rollout.strategy),
            "state_badge": display.state_badge(rollout.state),
            **context,
        })

    # --- progress ---------------------------------------------------------------------------

    def progress_page(self, request, rollout: Rollout):
        return self.render_page(
            request, rollout, "progress.html", f"Progress of {rollout.release}",
            **progress_context(rollout, timezone.now()),
            object_action_buttons=self.object_action_buttons(request, rollout),
        )

    # --- dry run ----------------------------------------------------------------------------

    def dry_run_page(self, request, rollout: Rollout):
        form = DryRunForm(request.GET or None)
        result, unavailable = None, None
        if form.is_bound and form.is_valid():
            result, unavailable = counted(dry_run, rollout.release, percentage=form.cleaned_data["percentage"],
                                          strategy=form.cleaned_data["strategy"] or None)
        elif not form.is_bound:
            result, unavailable = counted(dry_run, rollout.release)
        return self.render_page(request, rollout, "dry_run.html", f"Dry run of {rollout.release}",
                                form=form, result=result, unavailable=unavailable)

    # --- explain ----------------------------------------------------------------------------

    def explain_page(self, request, rollout: Rollout):
        if not request.user.has_perm("devices.view_device"):
            raise PermissionDenied  # the explanation shows the device's attributes and versions
        form = ExplainForm(request.GET or None)
        explanation = None
        if form.is_bound and form.is_valid():
            device = Device.objects.select_related("product").filter(uid=form.cleaned_data["device"]).first()
            if device is None:
                form.add_error("device", f"No device has the uid {form.cleaned_data['device']!r}.")
            else:
                explanation = decision.explain(device, rollout.release)
        rules = [(result, display.rule_badge(result.passed)) for result in explanation.results] if explanation else []
        return self.render_page(request, rollout, "explain.html", f"Explain {rollout.release}",
                                form=form, explanation=explanation, rules=rules)
