"""Stamps that make what the device edge keeps stale (devices.session, otaportal.edge).

Whatever changes what a device is answered calls ``forget_devices``; whatever must stop a
token from working calls ``forget_tokens``. Row saves and deletions do it through signals
(devices.signals, rollouts.signals); a bulk ``update()`` must call them itself.
"""

from django.db import transaction

from otaportal.edge import store


def forget_devices(*device_ids) -> None:
    """Make the devices' remembered answers stale, now and again once the transaction commits.

    The commit-time bump is the one that matters (another process may answer from the old
    rows until then); the immediate one lets this transaction see its own change.
    """
    _bump_now_and_on_commit(devices=[device_id for device_id in device_ids if device_id is not None])


def forget_tokens(*prefixes) -> None:
    """Make the kept sessions of these tokens stale: the next request checks the token in the database."""
    _bump_now_and_on_commit(tokens=[prefix for prefix in prefixes if prefix])


def _bump_now_and_on_commit(**stamps) -> None:
    if not any(stamps.values()):  # an unsaved device (an import's) has nothing to forget
        return
    store().bump(**stamps)
    transaction.on_commit(lambda: store().bump(**stamps))
