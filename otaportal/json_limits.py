"""Limits on free JSON values: depth, keys, size, and no NUL character (docs/operations.md, "Limits on JSON").

Python's json and pickle recurse: a value nested about a thousand levels deep raises
RecursionError when it is decoded, cached or rendered, and PostgreSQL's text and JSON cannot
hold NUL (``\\u0000``). Every free JSON field (a release's specification and metadata, a
device's attributes, a filter's conditions…) is checked against these limits where it comes
in: the model field's validator (admin forms, ``full_clean`` in services and commands), the API
serializers, and the request body parser (otaportal.rest). The walk is iterative, so a value of
any depth is judged without recursing.
"""

import json
import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# A request body wraps its free fields in a few levels of its own (DDI feedback:
# status.result.progress; Kaa: filters[0]): bodies may be this much deeper than a field.
BODY_ENVELOPE_DEPTH = 8
TOO_DEEP_TO_SHOW = "(nested too deep to show: replace it with JSON within OTA_JSON_MAX_DEPTH levels)"
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\Z")
NUL = "\x00"
NUL_PROBLEM = "NUL characters (\\u0000) are not allowed"


@dataclass(frozen=True)
class Limits:
    """None leaves a limit unchecked."""

    max_depth: int
    max_keys: int | None = None  # in one object
    max_values: int | None = None  # keys, items and scalars in all
    max_bytes: int | None = None  # as compact UTF-8 JSON


def field_limits() -> Limits:
    """The limits of a free JSON field (settings OTA_JSON_*)."""
    return Limits(settings.OTA_JSON_MAX_DEPTH, settings.OTA_JSON_MAX_KEYS, settings.OTA_JSON_MAX_VALUES,
                  settings.OTA_JSON_MAX_BYTES)


def body_limits() -> Limits:
    """The limits of a whole request body: deep enough for its fields, never deep enough to recurse."""
    return Limits(settings.OTA_JSON_MAX_DEPTH + BODY_ENVELOPE_DEPTH)


def limit_error(problem: str, code: str, root: str = "", steps: tuple = ()) -> ValidationError:
    """``Nested deeper than 32 levels (OTA_JSON_MAX_DEPTH) at specification.a.b[3].``"""
    return ValidationError(f"{problem} at {path_text(root, steps)}.", code=code)


def depth_problem(limits: Limits) -> str:
    return f"Nested deeper than {limits.max_depth} levels (OTA_JSON_MAX_DEPTH)"


def path_text(root: str, steps: tuple) -> str:
    """``specification.a.b[3]``: the JSON path of a value, for error messages."""
    text = root
    for step in steps:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _PLAIN_KEY.match(step):
            text += f".{step}" if text else step
        else:
            text += f"[{json.dumps(step)}]"
    return text or "the top level"


def check(value, limits: Limits, root: str = "") -> None:
    """Raise ValidationError naming the first limit ``value`` breaks and where (``root`` names the value)."""
    pending = [(value, 0, ())]
    values = 0
    while pending:
        item, depth, steps = pending.pop()
        values += 1
        if limits.max_values is not None and values > limits.max_values:
            raise limit_error(f"More than {limits.max_values} keys and values in all (OTA_JSON_MAX_VALUES)",
                              "json_values", root)
        if isinstance(item, str):
            if NUL in item:
                raise limit_error(NUL_PROBLEM, "json_nul", root, steps)
            continue
        if not isinstance(item, (dict, list)):
            continue
        if depth >= limits.max_depth:
            raise limit_error(depth_problem(limits), "json_depth", root, steps)
        if isinstance(item, dict):
            if limits.max_keys is not None and len(item) > limits.max_keys:
                raise limit_error(f"More than {limits.max_keys} keys in one object (OTA_JSON_MAX_KEYS)",
                                  "json_keys", root, steps)
            for key, child in item.items():
                if NUL in key:
                    raise limit_error(NUL_PROBLEM, "json_nul", root, (*steps, key))
                values += 1
                pending.append((child, depth + 1, (*steps, key)))
        else:
            pending.extend((child, depth + 1, (*steps, index)) for index, child in enumerate(item))
    # The walk above bounded the depth: serialising cannot recurse too far now.
    if limits.max_bytes is not None and len(json.dumps(value, separators=(",", ":")).encode()) > limits.max_bytes:
        raise limit_error(f"Larger than {limits.max_bytes} bytes as JSON (OTA_JSON_MAX_BYTES)", "json_bytes", root)


@deconstructible
class JsonLimits:
    """The model field validator: ``JSONField(validators=[JsonLimits("specification")])``."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, value):
        check(value, field_limits(), self.name)

    def __eq__(self, other):
        return isinstance(other, JsonLimits) and other.name == self.name


class JSONFormField(forms.JSONField):
    """Django's form JSONField, answering a too-deep text with a form error instead of RecursionError."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError(depth_problem(field_limits()) + ".", code="json_depth") from None

    def prepare_value(self, value):
        try:
            return super().prepare_value(value)
        except RecursionError:
            # A stored value deeper than writing it out allows (stored around validation): the page
            # still renders, and this text, not being JSON, is refused if saved unchanged.
            return forms.fields.InvalidJSONInput(TOO_DEEP_TO_SHOW)

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)
