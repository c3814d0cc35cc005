"""The catalog admin's badges, in the colours catalog.choices gives each state."""

from catalog.choices import (
    ARTIFACT_STATE_COLOURS,
    CREDENTIAL_STATUS_COLOURS,
    NO_ARTIFACT_COLOUR,
    RELEASE_STATUS_COLOURS,
)
from otaportal.admin_display import badge


def artifact_badge(artifact):
    if artifact is None:
        return badge("none", NO_ARTIFACT_COLOUR)
    return badge(artifact.state, ARTIFACT_STATE_COLOURS[artifact.state])


def artifact_state(artifact) -> dict:
    """An artifact's state as the pages that poll it read it: the badge as HTML, the failure as text."""
    if artifact is None:
        return {"state": "none", "badge": artifact_badge(None), "file_name": "", "failure": ""}
    return {"state": artifact.state, "badge": artifact_badge(artifact), "file_name": artifact.file_name,
            "failure": artifact.failure}


def release_status_badge(release):
    return badge(release.status, RELEASE_STATUS_COLOURS[release.status])


def credential_status_badge(credential):
    status = credential.status
    return badge(status, CREDENTIAL_STATUS_COLOURS[status])
