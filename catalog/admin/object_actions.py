"""Buttons on a change page that act on that one object through their own view.

A state-changing request must be a POST (a link prefetched by a browser or
followed by a crawler must change nothing), so each button is a small form
posting to its view. An action that asks something first (a reason) answers GET
with its question page and acts on the POST that page sends. Either way the view
checks the permission the action names, and the action logs what it did.
"""

from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse


@dataclass(frozen=True)
class ObjectAction:
    name: str
    label: str
    asks_first: bool
    permission: str
    available: object  # callable (model_admin, obj) -> bool, or None for always


def object_action(label: str, *, asks_first: bool = False, permission: str = "change", available=None):
    """Mark a ModelAdmin method ``(request, obj) -> HttpResponse | None`` as a change-page button.

    ``available(model_admin, obj)`` hides the button when the action makes no
    sense for the object. Returning None from the method redirects to the change page.
    """

    def decorate(method):
        method.object_action = ObjectAction(method.__name__, label, asks_first, permission, available)
        return method

    return decorate


class ObjectActionsMixin:
    """Serves the ``object_actions`` (method names) of a ModelAdmin and shows their buttons."""

    object_actions: tuple[str, ...] = ()
    #: Callables ``(request, obj) -> (label, url) or None`` adding plain links beside the buttons. Apps
    #: that build on a model register theirs here, so the model's app need not know them (rollouts links
    #: a release to its rollout). A ModelAdmin that accepts links defines its own list.
    page_links: tuple = ()
    #: Callables ``(request, obj) -> HTML or None`` adding a section below the form, by the same rule.
    page_sections: tuple = ()
    change_form_template = "admin/catalog/change_form.html"

    class Media:
        css = {"all": ["catalog/admin.css"]}

    def _object_action(self, name) -> ObjectAction:
        return getattr(self, name).object_action

    def object_action_url_name(self, name):
        return f"{self.opts.app_label}_{self.opts.model_name}_{name}"

    def get_urls(self):
        actions = [
            path(f"<path:object_id>/{name.replace('_', '-')}/",
                 self.admin_site.admin_view(partial(self._object_action_view, name=name)),
                 name=self.object_action_url_name(name))
            for name in self.object_actions
        ]
        return actions + super().get_urls()

    def _may_run(self, request, obj, action: ObjectAction) -> bool:
        return getattr(self, f"has_{action.permission}_permission")(request, obj)

    def _object_action_view(self, request, object_id, name):
        action = self._object_action(name)
        allowed_methods = ["GET", "POST"] if action.asks_first else ["POST"]
        if request.method not in allowed_methods:
            return HttpResponseNotAllowed(allowed_methods)
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with the id {object_id!r}.")
        if not self._may_run(request, obj, action):
            raise PermissionDenied
        response = getattr(self, name)(request, obj)
        return response or HttpResponseRedirect(self.change_page_url(obj))

    def change_page_url(self, obj):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[quote(obj.pk)],
                       current_app=self.admin_site.name)

    def object_action_buttons(self, request, obj):
        buttons = []
        for name in self.object_actions:
            action = self._object_action(name)
            if action.available is not None and not action.available(self, obj):
                continue
            if self._may_run(request, obj, action):
                url = reverse(f"admin:{self.object_action_url_name(name)}", args=[quote(obj.pk)],
                              current_app=self.admin_site.name)
                buttons.append({"url": url, "label": action.label, "asks_first": action.asks_first})
        return buttons

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["object_action_buttons"] = self.object_action_buttons(request, obj)
            context["object_page_links"] = [link for make in self.page_links if (link := make(request, obj))]
            context["object_page_sections"] = [html for make in self.page_sections if (html := make(request, obj))]
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url,
                                          obj=obj)

    def log_and_report(self, request, objects, message: str, summary: str, level=messages.SUCCESS):
        """Write ``message`` to each object's admin history and tell the user ``summary``."""
        for obj in objects:
            self.log_change(request, obj, message)
        self.message_user(request, summary, level)
