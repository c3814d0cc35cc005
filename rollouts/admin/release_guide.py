"""The guided release flow: upload, verification, target, phases, dry run and start on one page.

Served as the release's ``guide/`` page (ReleaseAdmin.page_views). Every step is a
plain form or link, so the page works from the keyboard and without JavaScript;
static/editors/guide.js only refreshes the verification badge while the worker
checks the file. Each step calls what the other faces call: the upload goes
through catalog.services.artifacts, target and phases through
transitions.set_policy (a draft stays a draft), and Start is the rollout's own
Start page with its dry run (rollouts/admin/rollouts.py), which alone makes it live.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from catalog.admin.display import artifact_badge
from catalog.admin.forms import ArtifactUploadForm
from catalog.admin.releases import ReleaseAdmin
from catalog.choices import ArtifactState
from catalog.services import artifacts
from catalog.storage import StorageError
from rollouts.models import Rollout, RolloutState, Strategy
from rollouts.services import transitions
from rollouts.services.dry_run import dry_run

from . import display
from .forms import GuidePhaseFormSet, GuideTargetForm, messages_of, phase_initial
from .rollout_pages import counted

GUIDE = "guide"
TEMPLATE = "admin/catalog/release/guide.html"
STEPS = ("upload", "target", "phases")


def guide_page(model_admin, request, release):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    if not request.user.has_perm("rollouts.view_rollout"):
        raise PermissionDenied  # the guide shows and steers the release's rollout
    rollout = Rollout.objects.select_related("release").get(release=release)
    bound = {}
    if request.method == "POST":
        step = request.POST.get("step")
        if step not in STEPS:
            return HttpResponseBadRequest(f"Unknown step {step!r}; use one of {', '.join(STEPS)}.")
        done, bound = _post(step, model_admin, request, release, rollout)
        if done:
            return HttpResponseRedirect(f"{_guide_url(release)}#step-{step}")
    return _render(model_admin, request, release, rollout, bound)


def _guide_url(release):
    return reverse(f"admin:catalog_release_{GUIDE}", args=[quote(release.pk)])


def _post(step, model_admin, request, release, rollout):
    """``(True, {})`` when the step was saved, else ``(False, {step: bound form with its errors})``."""
    if step == "upload":
        if not model_admin.has_change_permission(request, release):
            raise PermissionDenied
        form = ArtifactUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return False, {step: form}
        _upload(model_admin, request, release, form.cleaned_data["artifact_file"])
        return True, {}
    if not request.user.has_perm("rollouts.change_rollout"):
        raise PermissionDenied
    if rollout.state != RolloutState.DRAFT:
        messages.error(request, "The rollout has started: change it on its policy page.")
        return True, {}
    if step == "target":
        form = GuideTargetForm(request.POST)
    else:
        form = GuidePhaseFormSet(request.POST, prefix="phases")
    if not form.is_valid():
        return False, {step: form}
    if step == "target":
        kept_dates = dict(rollout.rollout_filters.values_list("filter_id", "rollout_date"))
        policy = {"strategy": form.cleaned_data["strategy"], "filters": form.filter_specs(kept_dates),
                  "skip_dispatching_to_endpoint": form.cleaned_data["skip_dispatching_to_endpoint"],
                  "update_type": form.cleaned_data["update_type"]}
    else:
        policy = {"phases": form.specs()}
    try:
        transitions.set_policy(rollout, actor=request.user, **policy)
    except ValidationError as error:
        form.add_error(None, messages_of(error))
        return False, {step: form}
    model_admin.log_change(request, release, f"Rollout {step} set in the guided release flow.")
    return True, {}


def _upload(model_admin, request, release, upload) -> None:
    try:
        artifact = artifacts.upload(release, upload, upload.name)
    except StorageError as error:
        messages.error(request, f"{upload.name} could not be stored: {error}")
        return
    model_admin.log_change(request, release, f"Uploaded {artifact.file_name} in the guided release flow.")
    messages.success(request, f"Uploaded {artifact.file_name} ({upload.size} bytes); verification queued.")


def _render(model_admin, request, release, rollout, bound):
    artifact = release.artifact_or_none
    phases = list(rollout.phases.order_by("position"))
    links = list(rollout.rollout_filters.all())
    started = rollout.state != RolloutState.DRAFT
    targeted = rollout.strategy != Strategy.SUSPENDED
    target_form = bound.get("target") or GuideTargetForm(initial={
        "strategy": rollout.strategy if targeted else Strategy.GENERAL,
        "filters": [link.filter_id for link in links],
        "skip_dispatching_to_endpoint": rollout.skip_dispatching_to_endpoint,
        "update_type": rollout.update_type,
    })
    phase_forms = bound.get("phases") or GuidePhaseFormSet(initial=phase_initial(phases), prefix="phases")
    preview, unavailable = (None, None)
    # One grouped query over the fleet (0.3 to 0.7 s at a million devices): only while it decides the start.
    if targeted and not started:
        preview, unavailable = counted(dry_run, release, strategy=rollout.strategy,
                                       **({"phase": phases[0].position} if phases else {"percentage": 100}))
    rollout_url = reverse("admin:rollouts_rollout_change", args=[quote(rollout.pk)])
    start_url = reverse("admin:rollouts_rollout_start", args=[quote(rollout.pk)])
    return TemplateResponse(request, TEMPLATE, {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts, "original": release, "release": release, "rollout": rollout,
        "title": f"Release {release}: guided flow", "media": model_admin.media + target_form.media,
        "artifact": artifact, "artifact_badge": artifact_badge(artifact),
        "replacement": release.artifact_candidate_or_none,
        "verified": artifact is not None and artifact.state == ArtifactState.VERIFIED,
        "upload_form": bound.get("upload") or ArtifactUploadForm(),
        "may_upload": model_admin.has_change_permission(request, release),
        "may_change_rollout": request.user.has_perm("rollouts.change_rollout") and not started,
        "target_form": target_form, "phase_forms": phase_forms, "phases": phases, "targeted": targeted,
        "filters": links, "preview": preview, "unavailable": unavailable, "started": started,
        "state_badge": display.state_badge(rollout.state),
        "strategy_badge": display.strategy_badge(rollout.strategy),
        "state_url": reverse("admin:catalog_release_artifact_state", args=[quote(release.pk)]),
        "change_url": reverse("admin:catalog_release_change", args=[quote(release.pk)]),
        "rollout_url": rollout_url,
        "dry_run_url": reverse("admin:rollouts_rollout_dry_run", args=[quote(rollout.pk)]),
        "progress_url": reverse("admin:rollouts_rollout_progress", args=[quote(rollout.pk)]),
        "start_url": f"{start_url}?{urlencode({'strategy': rollout.strategy})}" if targeted else start_url,
        "new_filter_url": reverse("admin:rollouts_devicefilter_add"),
    })


def guide_link(request, release):
    """The release page's link to its guided flow."""
    return "Guided release flow", _guide_url(release)


ReleaseAdmin.page_views.append((GUIDE, guide_page))
ReleaseAdmin.guide_page = GUIDE
ReleaseAdmin.page_links.append(guide_link)
