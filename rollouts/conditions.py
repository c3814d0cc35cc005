"""Device filter conditions: one definition of each operator, used three ways.

A condition is ``{"field": ..., "op": ..., "value": ...}``; a filter matches a
device when all of its conditions hold (an empty filter matches every device).

* ``validate(conditions)`` refuses bad input with errors naming the condition
  index and the key;
* ``matches(conditions, facts)`` evaluates them in Python on one device (the
  decision on check-in);
* ``to_q(conditions, distinct_values)`` builds a Django ``Q`` evaluated by
  PostgreSQL over the whole fleet (previews, dry runs, the admin).

Fields: ``product`` (key), ``uid``, ``tags`` (list of strings),
``agent_version``, ``attributes.<key>`` and ``installed.<module>``.

Values are compared with JSON semantics: ``5`` equals ``5.0`` but neither
``"5"`` nor ``true``. ``prefix`` and the version comparisons hold for string
values only; a missing field fails every operator except ``ne``.

Version comparisons follow catalog.versioning. PostgreSQL does not know that
order, so ``to_q`` asks ``distinct_values(field)`` for the distinct values the
fleet has (few: versions are shared by thousands of devices), compares them in
Python and filters on the ones that hold, which keeps SQL and Python exactly in
agreement.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import CharField, F, Func, Q, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.lookups import Exact, In, StartsWith

from catalog.versioning import version_key
from otaportal import json_limits

MAX_CONDITIONS = 50
MAX_IN_VALUES = 1000
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
MODULE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")


@dataclass(frozen=True)
class DeviceFacts:
    """What a filter may look at, whether it comes from a device row or a check-in report."""

    uid: str
    product_key: str
    tags: tuple = ()
    agent_version: str = ""
    attributes: dict = field(default_factory=dict)
    installed: dict = field(default_factory=dict)

    @classmethod
    def of(cls, device, *, agent_version=None, attributes=None, installed=None):
        return cls(
            uid=device.uid,
            product_key=device.product.key,
            tags=tuple(device.tags if isinstance(device.tags, list) else ()),
            agent_version=device.agent_version if agent_version is None else agent_version,
            attributes=_as_dict(device.attributes if attributes is None else attributes),
            installed=_as_dict(device.installed_versions if installed is None else installed),
        )


def _as_dict(value):
    return value if isinstance(value, dict) else {}


_MISSING = object()


# --- fields: how to read one in Python and how to name it in SQL -----------------------------

@dataclass(frozen=True)
class FieldRef:
    name: str  # as written in the condition
    kind: str  # "product", "uid", "tags", "agent_version", "attributes", "installed"
    key: str = ""  # attribute key or module name

    def read(self, facts: DeviceFacts):
        if self.kind == "product":
            return facts.product_key
        if self.kind == "uid":
            return facts.uid
        if self.kind == "tags":
            return list(facts.tags)
        if self.kind == "agent_version":
            return facts.agent_version or _MISSING
        container = facts.attributes if self.kind == "attributes" else facts.installed
        return container.get(self.key, _MISSING)

    @property
    def column(self):
        return {"product": "product__key", "uid": "uid", "tags": "tags", "agent_version": "agent_version",
                "attributes": "attributes", "installed": "installed_versions"}[self.kind]

    @property
    def is_json_key(self):
        return self.kind in ("attributes", "installed")

    def text(self):
        """The field as text in SQL (JSON keys through ``->>``)."""
        if self.is_json_key:
            return KeyTextTransform(self.key, self.column)
        return F(self.column)

    def json_type_is_string(self) -> Q:
        if not self.is_json_key:
            return ~Q(**{self.column: ""}) if self.kind == "agent_version" else Q()
        kind = Func(KeyTransform(self.key, self.column), function="jsonb_typeof", output_field=CharField())
        return Q(Exact(kind, Value("string")))

    def contains(self, value) -> Q:
        """Equality through JSON containment, which a GIN (jsonb_path_ops) index answers."""
        return Q(**{f"{self.column}__contains": {self.key: value}})


def parse_field(name) -> FieldRef:
    if not isinstance(name, str):
        raise ValueError("must be a string")
    if name in ("product", "uid", "tags", "agent_version"):
        return FieldRef(name, name)
    prefix, _, key = name.partition(".")
    if prefix == "attributes":
        if not ATTRIBUTE_KEY.match(key) or "__" in key:
            raise ValueError("attribute keys are 1 to 64 letters, digits, _ or - (no double underscore)")
        return FieldRef(name, "attributes", key)
    if prefix == "installed":
        if not MODULE_NAME.match(key) or "__" in key:
            raise ValueError("module names are 1 to 64 letters, digits, _, . or -")
        return FieldRef(name, "installed", key)
    raise ValueError(
        "unknown field; use product, uid, tags, agent_version, attributes.<key> or installed.<module>"
    )


@lru_cache(maxsize=4096)
def _validated_field(name: str) -> FieldRef:
    """``parse_field`` of a validated condition's field, parsed once: the decision reads it on every check-in."""
    return parse_field(name)


# --- JSON-semantics comparisons -------------------------------------------------------------

def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(left, right) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if _is_number(left) or _is_number(right):
        return _is_number(left) and _is_number(right) and left == right
    return type(left) is type(right) and left == right


# --- operators ------------------------------------------------------------------------------

ValuesOf = Callable[[FieldRef], Iterable]


@dataclass(frozen=True)
class Operator:
    name: str
    fields: frozenset  # kinds of field it applies to
    check_value: Callable[[object], str | None]  # an error message or None
    python: Callable[[object, object], bool]  # (device value or _MISSING, condition value)
    sql: Callable[[FieldRef, object, ValuesOf], Q]


SCALAR_FIELDS = frozenset({"product", "uid", "agent_version", "attributes", "installed"})
STRING_FIELDS = frozenset({"product", "uid", "agent_version", "installed"})
VERSION_FIELDS = frozenset({"agent_version", "attributes", "installed"})


def _scalar(value):
    if isinstance(value, (dict, list)) or value is None:
        return "must be a string, number or boolean"
    return None


def _string(value):
    return None if isinstance(value, str) and value else "must be a non-empty string"


def _version(value):
    if not isinstance(value, str) or not value:
        return "must be a version string"
    return None


def _list_of_scalars(value):
    if not isinstance(value, list) or not value:
        return "must be a non-empty list"
    if len(value) > MAX_IN_VALUES:
        return f"may hold at most {MAX_IN_VALUES} values"
    for item in value:
        if _scalar(item):
            return "must hold strings, numbers or booleans"
    return None


def _no_value(value):
    return None if value in (None, True) else "takes no value (omit it or give true)"


def _sql_eq(ref: FieldRef, value, values_of) -> Q:
    if ref.is_json_key:
        return ref.contains(value)
    if not isinstance(value, str):
        return Q(pk__in=[])
    # A blank agent version is a missing field, which eq never matches.
    return Q(**{ref.column: value}) & ref.json_type_is_string()


def _sql_in(ref: FieldRef, values, values_of) -> Q:
    if ref.is_json_key:
        query = Q(pk__in=[])
        for value in values:
            query |= ref.contains(value)
        return query
    strings = [value for value in values if isinstance(value, str)]
    return Q(**{f"{ref.column}__in": strings}) & ref.json_type_is_string()


def _sql_prefix(ref: FieldRef, value, values_of) -> Q:
    return ref.json_type_is_string() & Q(StartsWith(ref.text(), value))


def _sql_exists(ref: FieldRef, value, values_of) -> Q:
    if ref.is_json_key:
        return Q(**{f"{ref.column}__has_key": ref.key})
    return ~Q(**{ref.column: ""})


def _python_prefix(actual, value):
    return isinstance(actual, str) and actual.startswith(value)


def _version_operator(name, compare):
    def python(actual, value):
        return isinstance(actual, str) and bool(actual) and compare(version_key(actual), version_key(value))

    def sql(ref: FieldRef, value, values_of) -> Q:
        holding = sorted({actual for actual in values_of(ref) if python(actual, value)})
        if not holding:
            return Q(pk__in=[])
        return ref.json_type_is_string() & Q(In(ref.text(), holding))

    return Operator(name, VERSION_FIELDS, _version, python, sql)


OPERATORS = {
    op.name: op
    for op in [
        Operator("eq", SCALAR_FIELDS, _scalar,
                 lambda actual, value: actual is not _MISSING and json_equal(actual, value), _sql_eq),
        Operator("ne", SCALAR_FIELDS, _scalar,
                 lambda actual, value: actual is _MISSING or not json_equal(actual, value),
                 lambda ref, value, values_of: ~_sql_eq(ref, value, values_of)),
        Operator("in", SCALAR_FIELDS, _list_of_scalars,
                 lambda actual, values: actual is not _MISSING and any(json_equal(actual, v) for v in values),
                 _sql_in),
        Operator("prefix", STRING_FIELDS | {"attributes"}, _string, _python_prefix, _sql_prefix),
        Operator("exists", frozenset({"agent_version", "attributes", "installed"}), _no_value,
                 lambda actual, value: actual is not _MISSING, _sql_exists),
        Operator("contains", frozenset({"tags"}), _string,
                 lambda actual, value: isinstance(actual, list) and value in actual,
                 lambda ref, value, values_of: Q(tags__contains=[value])),
        _version_operator("version_lt", lambda a, b: a < b),
        _version_operator("version_lte", lambda a, b: a <= b),
        _version_operator("version_gt", lambda a, b: a > b),
        _version_operator("version_gte", lambda a, b: a >= b),
    ]
}


# --- the three uses -------------------------------------------------------------------------

def validate(conditions) -> list[dict]:
    """Return the conditions normalised, or raise ValidationError naming each bad one.

    Errors are keyed ``conditions[i].field`` (or ``.op``, ``.value``).
    """
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": "Give a list of {field, op, value} objects."})
    try:
        json_limits.check(conditions, json_limits.field_limits(), "conditions")
    except ValidationError as error:
        raise ValidationError({"conditions": error}) from None
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError({"conditions": f"At most {MAX_CONDITIONS} conditions are allowed."})
    errors, cleaned = {}, []
    for index, condition in enumerate(conditions):
        where = f"conditions[{index}]"
        if not isinstance(condition, dict):
            errors[where] = "Give an object with field, op and value."
            continue
        unknown = set(condition) - {"field", "op", "value"}
        if unknown:
            errors[where] = f"Unknown keys: {', '.join(sorted(map(str, unknown)))}."
            continue
        try:
            ref = parse_field(condition.get("field"))
        except ValueError as error:
            errors[f"{where}.field"] = f"{condition.get('field')!r}: {error}."
            continue
        op = OPERATORS.get(condition.get("op"))
        if op is None:
            errors[f"{where}.op"] = f"Unknown operator {condition.get('op')!r}; use one of {', '.join(OPERATORS)}."
            continue
        if ref.kind not in op.fields:
            errors[f"{where}.op"] = f"{op.name} does not apply to {ref.name}."
            continue
        value = condition.get("value")
        problem = op.check_value(value)
        if problem:
            errors[f"{where}.value"] = f"{op.name} value {problem}."
            continue
        cleaned.append({"field": ref.name, "op": op.name, "value": True if op.name == "exists" else value})
    if errors:
        raise ValidationError(errors)
    return cleaned


def matches(conditions, facts: DeviceFacts) -> bool:
    """True when every condition holds for the device (conditions already validated)."""
    for condition in conditions:
        op = OPERATORS[condition["op"]]
        actual = _validated_field(condition["field"]).read(facts)
        if not op.python(actual, condition.get("value")):
            return False
    return True


def to_q(conditions, distinct_values: ValuesOf) -> Q:
    """A ``Q`` over Device selecting the devices ``matches`` accepts (conditions already validated).

    ``distinct_values(field_ref)`` returns the distinct values of that field in the
    fleet considered; it is called only for version comparisons.
    """
    # Every device, spelled so that it survives being OR-ed (an empty Q would vanish).
    query = ~Q(pk__in=[])
    for condition in conditions:
        op = OPERATORS[condition["op"]]
        query &= op.sql(_validated_field(condition["field"]), condition.get("value"), distinct_values)
    return query


def distinct_values_in(queryset) -> ValuesOf:
    """``distinct_values`` reading from a Device queryset (one query per version condition)."""

    def values_of(ref: FieldRef):
        return queryset.annotate(_value=ref.text()).order_by().values_list("_value", flat=True).distinct()

    return values_of
