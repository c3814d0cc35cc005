"""Who is changing things, and through which surface: the context every audit entry records.

The context travels explicitly in a ``ContextVar``: the audit middleware opens one per
request (the admin's with its session user; any other request with its client address
only), the management API's authentication names its caller and token, and PortalCommand
opens one per command. Writes made without a surface (device traffic, Celery tasks,
Django's own commands) are not audited. This module sits in the project package so that
the catalog's authentication and the commands' base can name the caller without
importing the audit app, which sits above every domain app.
"""

import getpass
import socket
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.dispatch import Signal

ADMIN = "admin"
API = "api"
COMMAND = "command"
SURFACES = (ADMIN, API, COMMAND)


@dataclass(frozen=True)
class AuditContext:
    surface: str | None = None  # None: not audited (device traffic, tasks)
    user: object | None = None  # the acting user, if any (a User, or the admin's lazy request.user)
    actor_label: str = ""  # who, when no portal user acts (a command's operating-system login)
    credential: str = ""  # the management credential: "token <prefix>" or "access key <id>"
    client_address: str | None = None


# Outside any request or command: nothing is audited, and nothing may be named into it (below).
_OUTSIDE = AuditContext()
_current: ContextVar[AuditContext] = ContextVar("audit_context", default=_OUTSIDE)


# Rows written in bulk (``bulk_create``: no post_save) are announced here by the code that writes them,
# ``rows_created.send(sender=Model, instances=rows)``, so that the audit log records each as created.
rows_created = Signal()


def current() -> AuditContext:
    return _current.get()


@contextmanager
def opened(context: AuditContext):
    """Make ``context`` the current one for the duration of a request or a command."""
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def operating_system_login() -> str:
    """``login@host`` of whoever runs a command: the actor of a command acting for no portal user."""
    try:
        login = getpass.getuser()
    except OSError:  # no login name in the environment nor the password database (some containers)
        login = "unknown"
    return f"{login}@{socket.gethostname()}"


def _name_in_current(**names) -> None:
    """Fill in the current request's or command's context (reset when it ends).

    Outside one (a view called by a test's request factory, without the middleware), naming
    someone would outlive the call and audit whatever the thread writes next: nothing is named.
    """
    current_context = _current.get()
    if current_context is not _OUTSIDE:
        _current.set(replace(current_context, **names))


def identify_api_caller(user, credential: str) -> None:
    """The management API authenticated ``user`` with ``credential``: its writes are audited from now on."""
    _name_in_current(surface=API, user=user, credential=credential)


def opened_for_admin(user) -> None:
    """The request is the admin's: its writes name the session's user (resolved when one is written)."""
    _name_in_current(surface=ADMIN, user=user)


def acting_as(user) -> None:
    """A command acts for a portal user (``--user``): its writes name that user."""
    _name_in_current(user=user)
