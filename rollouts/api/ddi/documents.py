"""The JSON documents of the DDI API, with hawkBit's ``_links`` (absolute URLs to this portal).

Download links: ``download`` and ``download-http`` (and ``md5sum``,
``md5sum-http``) carry the same URL, in the scheme the request came in with
(behind a TLS proxy, set SECURE_PROXY_SSL_HEADER): the portal serves one
scheme, and agents that prefer ``download`` (RAUC) or ``download-http`` find
a working link either way.
"""

import hashlib
import json

from django.urls import reverse

from rollouts.services.ddi.actions import ActionView, ArtifactFile
from rollouts.services.ddi.controller import ControllerState


def _url(request, name: str, controller_id: str, *args) -> str:
    return request.build_absolute_uri(
        reverse(name, args=[request.parser_context["kwargs"]["tenant"], controller_id, *args]))


def _link(href: str) -> dict:
    return {"href": href}


def controller_base(request, controller_id: str, state: ControllerState) -> dict:
    links = {}
    if state.cancel_action_id is not None:
        links["cancelAction"] = _link(_url(request, "ddi-cancel-action", controller_id, state.cancel_action_id))
    if state.deployment is not None:
        # hawkBit links an action awaiting the device's consent as confirmationBase, never as both.
        rel, name = (("confirmationBase", "ddi-confirmation-action") if state.deployment.confirm_first
                     else ("deploymentBase", "ddi-deployment-base"))
        href = _url(request, name, controller_id, state.deployment.action_id)
        links[rel] = _link(f"{href}?c={state.deployment.resource}")
    if state.installed_action_id is not None:
        links["installedBase"] = _link(_url(request, "ddi-installed-base", controller_id, state.installed_action_id))
    if state.request_attributes:
        links["configData"] = _link(_url(request, "ddi-config-data", controller_id))
    document = {"config": {"polling": {"sleep": state.sleep}}}
    if links:
        document["_links"] = links
    return document


def artifact(request, controller_id: str, file: ArtifactFile) -> dict:
    download = _url(request, "ddi-artifact", controller_id, file.module_id, file.filename)
    return {
        "filename": file.filename,
        "hashes": {"sha1": file.sha1, "md5": file.md5, "sha256": file.sha256},
        "size": file.size,
        "_links": {
            "download": _link(download),
            "download-http": _link(download),
            "md5sum": _link(download + ".MD5SUM"),
            "md5sum-http": _link(download + ".MD5SUM"),
        },
    }


def deployment_base(request, controller_id: str, action: ActionView) -> dict:
    chunks = []
    for chunk in action.chunks:
        rendered = {
            "part": chunk.part, "version": chunk.version, "name": chunk.name,
            "artifacts": [artifact(request, controller_id, file) for file in chunk.artifacts],
        }
        if chunk.metadata:
            rendered["metadata"] = [{"key": key, "value": value} for key, value in chunk.metadata]
        chunks.append(rendered)
    handled = action.handling
    deployment = {"download": handled.download, "update": handled.update}
    if handled.maintenance_window is not None:  # hawkBit leaves the key out for an action without windows
        deployment["maintenanceWindow"] = handled.maintenance_window
    # Ours (docs/ddi.md): which offer of the release this is; agents ignore keys they do not know.
    deployment["attempt"] = action.attempt
    deployment["chunks"] = chunks
    document = {"id": str(action.id), "deployment": deployment}
    if action.history is not None:
        status, messages = action.history
        document["actionHistory"] = {"status": status, "messages": list(messages)}
    return document


def confirmation_action(request, controller_id: str, action: ActionView) -> dict:
    """hawkBit's DdiConfirmationBaseAction: deploymentBase's document with ``confirmation`` for ``deployment``."""
    document = deployment_base(request, controller_id, action)
    return {"id": document.pop("id"), "confirmation": document.pop("deployment"), **document}


def confirmation_base(request, controller_id: str, device, pending: tuple | None) -> dict:
    """hawkBit's DdiConfirmationBase: the device's auto-confirm state and links; ``pending`` is the
    (action id, ``c``) of the action awaiting its consent, if any."""
    if device.auto_confirm_since is None:
        state, switch = {"active": False}, ("activateAutoConfirm", "ddi-activate-auto-confirm")
    else:
        state = {"active": True, "initiator": device.auto_confirm_initiator or None,
                 "remark": device.auto_confirm_remark or None,
                 "activatedAt": int(device.auto_confirm_since.timestamp() * 1000)}
        state = {key: value for key, value in state.items() if value is not None}  # hawkBit leaves nulls out
        switch = ("deactivateAutoConfirm", "ddi-deactivate-auto-confirm")
    links = {switch[0]: _link(_url(request, switch[1], controller_id))}
    if pending is not None:
        action_id, resource = pending
        links["confirmationBase"] = _link(
            f"{_url(request, 'ddi-confirmation-action', controller_id, action_id)}?c={resource}")
    return {"autoConfirm": state, "_links": links}


def cancel(action_id: int) -> dict:
    return {"id": str(action_id), "cancelAction": {"stopId": str(action_id)}}


def entity_tag(document: dict) -> str:
    """A strong ETag: the SHA-256 of the document's canonical JSON."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return '"' + hashlib.sha256(canonical).hexdigest()[:40] + '"'
