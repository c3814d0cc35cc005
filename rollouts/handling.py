"""How a device is to handle an update at a moment: hawkBit's action types and maintenance windows.

One answer serves both device protocols (docs/rollouts.md, "Action types"):

============  ==================  ==================  =================
update type   DDI download        DDI update          check-in
============  ==================  ==================  =================
soft          attempt             attempt             installation now
forced        forced              forced              installation now
timeforced    attempt, forced     attempt, forced     installation now
              from ``forced_at``  from ``forced_at``
downloadonly  forced              skip                deferred
============  ==================  ==================  =================

Outside every maintenance window (rollouts.windows) the update is ``skip`` and
the installation ``deferred`` whatever the type, and DDI says
``maintenanceWindow: "unavailable"`` (``"available"`` inside; without windows
hawkBit leaves the key out, and so do we). Downloads go on outside windows.
"""

from dataclasses import dataclass
from datetime import datetime

from rollouts import windows as maintenance
from rollouts.models import UpdateType
from rollouts.policy import ReleasePolicy

FORCED, ATTEMPT, SKIP = "forced", "attempt", "skip"
AVAILABLE, UNAVAILABLE = "available", "unavailable"
# The check-in offer's ``installation``: install as soon as it is downloaded, or download and wait.
INSTALL_NOW, INSTALL_DEFERRED = "now", "deferred"


@dataclass(frozen=True)
class Handling:
    download: str  # forced or attempt
    update: str  # forced, attempt or skip
    maintenance_window: str | None  # available, unavailable; None: the release has no windows
    install_after: datetime | None  # the current or next window's opening; None: no windows (or none to come)
    install_before: datetime | None  # and its closing
    changes_at: datetime | None  # the next moment this handling changes by itself (a window's edge, forced_at)

    @property
    def installation(self) -> str:
        return INSTALL_DEFERRED if self.update == SKIP else INSTALL_NOW


def of(update_type: str, forced_at: datetime | None, windows: tuple, now: datetime) -> Handling:
    """How an update of ``update_type`` is handled at ``now``, with these maintenance windows.

    A time-forced update without ``forced_at`` (which validation refuses) stays soft.
    """
    download = update = ATTEMPT
    changes_at = None
    if update_type == UpdateType.FORCED:
        download = update = FORCED
    elif update_type == UpdateType.DOWNLOAD_ONLY:
        download, update = FORCED, SKIP
    elif update_type == UpdateType.TIMEFORCED and forced_at is not None:
        if forced_at <= now:
            download = update = FORCED
        else:
            changes_at = forced_at
    window = maintenance.state(windows, now)
    if window is None:
        return Handling(download, update, None, None, None, changes_at)
    if not window.open:
        update = SKIP
    changes_at = min((moment for moment in (changes_at, window.changes_at) if moment is not None), default=None)
    opening = window.opening
    return Handling(download, update, AVAILABLE if window.open else UNAVAILABLE,
                    opening.start if opening else None, opening.end if opening else None, changes_at)


def of_release(release: ReleasePolicy, now: datetime) -> Handling:
    return of(release.update_type, release.forced_at, release.windows, now)
