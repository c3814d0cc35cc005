"""Sent inside the transaction that records a request or its decision (receivers queue webhooks on commit)."""

from django.dispatch import Signal

approval_requested = Signal()  # sender: ApprovalRequest; request=
approval_decided = Signal()  # sender: ApprovalRequest; request=
