"""Query filters of the device APIs: the management device list and the device file list."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import JSONField, Q, Value
from django.db.models.fields.json import KeyTransform, KeyTransformExact
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.models import DEFAULT_MODULE, Artifact
from devices.models import Device
from devices.services import files


class StrictBooleanField(forms.Field):
    """``1``/``0``/``true``/``false`` (any case); anything else is an error, never silently false."""

    TRUE, FALSE = {"1", "true"}, {"0", "false"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("Use 1, 0, true or false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.Filter):
    field_class = StrictBooleanField


class RepeatedParameterWidget(forms.TextInput):
    """Every value of a repeated query parameter (``?attr=a:1&attr=b:2``)."""

    def value_from_datadict(self, data, files, name):
        return [value for value in data.getlist(name) if value] if hasattr(data, "getlist") else []


class KeyValueListField(forms.Field):
    widget = RepeatedParameterWidget

    def to_python(self, value):
        pairs = []
        for item in value or []:
            key, separator, text = item.partition(":")
            if not separator or not key:
                raise ValidationError(f"{item!r}: use KEY:VALUE, e.g. region:eu.", code="invalid")
            pairs.append((key, text))
        return pairs


@extend_schema_field({"type": "array", "items": {"type": "string", "example": "region:eu"}})
class AttributeFilter(filters.Filter):
    """Devices whose attribute KEY equals VALUE, for each ``KEY:VALUE`` given (all must hold).

    A VALUE that reads as a JSON number or boolean also matches that JSON value,
    so ``revision:3`` finds ``{"revision": 3}`` and ``{"revision": "3"}``.
    Containment (``@>``) uses the GIN index on ``attributes``.
    """

    field_class = KeyValueListField

    def filter(self, queryset, value):
        for key, text in value or []:
            queryset = queryset.filter(attribute_equals(key, text))
        return queryset


def _json_scalar(text: str):
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, (bool, int, float)) else None


# --- conditions shared by the API's filters and the admin's list filters --------------------------
# Each is a JSON containment (``@>``) on PostgreSQL, which the GIN (jsonb_path_ops) indexes of
# rollouts migration 0003 answer at a million devices. SQLite (the embedded default of `make run`)
# has no containment: there a key lookup, or the tag as text within the list, does the same.

def attribute_equals(key: str, text: str) -> Q:
    """Attribute ``key`` equals ``text``, or the JSON number or boolean ``text`` reads as."""
    values = [text] + ([typed] if (typed := _json_scalar(text)) is not None else [])
    condition = Q(pk__in=[])
    for value in values:
        condition |= (Q(attributes__contains={key: value}) if _has_containment()
                      else _key_equals("attributes", key, value))
    return condition


def has_installed(module: str, version: str) -> Q:
    """Module ``module`` reported at ``version``."""
    if _has_containment():
        return Q(installed_versions__contains={module: version})
    return _key_equals("installed_versions", module, version)


def has_tag(tag: str) -> Q:
    if _has_containment():
        return Q(tags__contains=[tag])
    return Q(tags__icontains=json.dumps(tag))  # tags hold no quotes (devices.validators.TAG_PATTERN)


def _has_containment() -> bool:
    return connection.vendor == "postgresql"


def _key_equals(column: str, key: str, value) -> Q:
    """``column[key] = value`` with JSON semantics (3 is not "3"), for databases without containment."""
    return Q(KeyTransformExact(KeyTransform(key, column), Value(value, output_field=JSONField())))


class DeviceFilterSet(filters.FilterSet):
    product = filters.CharFilter(field_name="product__key", help_text="Product key.")
    module = filters.CharFilter(
        method="filter_module",
        help_text="Module name: devices reporting a version of it (with `version`: that one).",
    )
    version = filters.CharFilter(
        method="filter_version", help_text="Installed version of `module` (default: the `default` module)."
    )
    attr = AttributeFilter(help_text="`KEY:VALUE` an attribute must equal; repeat for several.")
    tag = filters.CharFilter(method="filter_tag", help_text="A tag the device carries.")
    isActive = StrictBooleanFilter(field_name="is_active", help_text="1/0/true/false.")
    lastSeenBefore = filters.IsoDateTimeFilter(
        field_name="last_seen_at", lookup_expr="lt", help_text="Last seen before this time (ISO 8601)."
    )
    lastSeenAfter = filters.IsoDateTimeFilter(
        field_name="last_seen_at", lookup_expr="gte", help_text="Last seen at or after this time (ISO 8601)."
    )
    uidPrefix = filters.CharFilter(field_name="uid", lookup_expr="startswith", help_text="Start of the uid.")

    class Meta:
        model = Device
        fields = []

    def filter_module(self, queryset, name, value):
        if self.form.cleaned_data.get("version"):
            return queryset  # filter_version looks for module and version together
        return queryset.filter(installed_versions__has_key=value)

    def filter_version(self, queryset, name, value):
        module = self.form.cleaned_data.get("module") or DEFAULT_MODULE
        return queryset.filter(has_installed(module, value))

    def filter_tag(self, queryset, name, value):
        return queryset.filter(has_tag(value))


class OtaFileFilterSet(filters.FilterSet):
    module = filters.CharFilter(
        field_name="release__module__name", help_text="Module name, e.g. display-app."
    )
    isActive = StrictBooleanFilter(method="filter_active", help_text="1/0/true/false: only (in)active files.")

    class Meta:
        model = Artifact
        fields = []

    def filter_active(self, queryset, name, value):
        return files.filter_active(queryset, value)
