"""Serializer fields shared by the catalog's API surfaces."""

from datetime import UTC

from rest_framework import serializers


class UtcDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with a ``Z`` and whole seconds (``2026-01-15T08:00:00Z``), whatever TIME_ZONE is."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(format="%Y-%m-%dT%H:%M:%SZ", default_timezone=UTC, **kwargs)


class CompactUtcDateTimeField(serializers.DateTimeField):
    """IoTDA's ``yyyyMMdd'T'HHmmss'Z'`` in UTC (``20230211T121212Z``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(format="%Y%m%dT%H%M%SZ", default_timezone=UTC, **kwargs)
