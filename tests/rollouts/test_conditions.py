import itertools

import pytest
from django.core.exceptions import ValidationError

from devices.models import Device
from rollouts import conditions
from rollouts.conditions import DeviceFacts
from rollouts.services import filters
from tests.factories import DeviceFactory, ProductFactory


def facts(**fields):
    fields.setdefault("uid", "dev-1")
    fields.setdefault("product_key", "thermostat")
    return DeviceFacts(**fields)


# --- validate ---------------------------------------------------------------------------------

def test_valid_conditions_are_returned_normalised():
    cleaned = conditions.validate([{"field": "attributes.region", "op": "exists"}])

    assert cleaned == [{"field": "attributes.region", "op": "exists", "value": True}]


@pytest.mark.parametrize("bad, key", [
    ({"field": "colour", "op": "eq", "value": "red"}, "conditions[0].field"),
    ({"field": "attributes.", "op": "eq", "value": "red"}, "conditions[0].field"),
    ({"field": "attributes.a__b", "op": "eq", "value": "red"}, "conditions[0].field"),
    ({"field": "uid", "op": "like", "value": "x"}, "conditions[0].op"),
    ({"field": "tags", "op": "eq", "value": "x"}, "conditions[0].op"),
    ({"field": "uid", "op": "version_lt", "value": "1.0"}, "conditions[0].op"),
    ({"field": "uid", "op": "in", "value": "x"}, "conditions[0].value"),
    ({"field": "uid", "op": "in", "value": []}, "conditions[0].value"),
    ({"field": "uid", "op": "eq", "value": {"a": 1}}, "conditions[0].value"),
    ({"field": "uid", "op": "prefix", "value": ""}, "conditions[0].value"),
    ({"field": "agent_version", "op": "version_gte", "value": 2}, "conditions[0].value"),
    ({"field": "uid", "op": "eq", "value": "x", "extra": 1}, "conditions[0]"),
    ("uid = x", "conditions[0]"),
])
def test_a_bad_condition_is_refused_naming_its_index_and_key(bad, key):
    with pytest.raises(ValidationError) as raised:
        conditions.validate([bad])

    assert key in raised.value.message_dict


def test_errors_name_the_index_of_the_bad_condition_among_good_ones():
    good = {"field": "uid", "op": "eq", "value": "x"}

    with pytest.raises(ValidationError) as raised:
        conditions.validate([good, good, {"field": "uid", "op": "nope", "value": "x"}])

    assert list(raised.value.message_dict) == ["conditions[2].op"]


def test_conditions_must_be_a_list():
    with pytest.raises(ValidationError) as raised:
        conditions.validate({"field": "uid"})

    assert "conditions" in raised.value.message_dict


# --- matching in Python -----------------------------------------------------------------------

@pytest.mark.parametrize("condition, device, expected", [
    ({"field": "attributes.region", "op": "eq", "value": "eu"}, facts(attributes={"region": "eu"}), True),
    ({"field": "attributes.region", "op": "eq", "value": "eu"}, facts(attributes={}), False),
    ({"field": "attributes.rev", "op": "eq", "value": 2}, facts(attributes={"rev": 2.0}), True),
    ({"field": "attributes.rev", "op": "eq", "value": 2}, facts(attributes={"rev": "2"}), False),
    ({"field": "attributes.beta", "op": "eq", "value": 1}, facts(attributes={"beta": True}), False),
    ({"field": "attributes.region", "op": "ne", "value": "eu"}, facts(attributes={}), True),
    ({"field": "attributes.region", "op": "in", "value": ["eu", "us"]}, facts(attributes={"region": "us"}), True),
    ({"field": "uid", "op": "prefix", "value": "lab-"}, facts(uid="lab-7"), True),
    ({"field": "attributes.rev", "op": "prefix", "value": "1"}, facts(attributes={"rev": 12}), False),
    ({"field": "tags", "op": "contains", "value": "beta"}, facts(tags=("beta", "lab")), True),
    ({"field": "tags", "op": "contains", "value": "beta"}, facts(tags=("lab",)), False),
    ({"field": "agent_version", "op": "version_gte", "value": "1.10"}, facts(agent_version="1.9.3"), False),
    ({"field": "agent_version", "op": "version_gte", "value": "1.10"}, facts(agent_version="1.10.0"), True),
    ({"field": "agent_version", "op": "exists"}, facts(agent_version=""), False),
    ({"field": "installed.default", "op": "version_lt", "value": "2.0.0"},
     facts(installed={"default": "2.0.0-rc.1"}), True),
    ({"field": "installed.default", "op": "version_lt", "value": "2.0.0"}, facts(installed={}), False),
    ({"field": "product", "op": "eq", "value": "thermostat"}, facts(), True),
])
def test_one_condition_matches_as_documented(condition, device, expected):
    assert conditions.matches([condition], device) is expected


def test_all_conditions_must_hold():
    device = facts(attributes={"region": "eu"}, tags=("beta",))
    both = [{"field": "attributes.region", "op": "eq", "value": "eu"},
            {"field": "tags", "op": "contains", "value": "lab"}]

    assert conditions.matches(both, device) is False


def test_an_empty_filter_matches_every_device():
    assert conditions.matches([], facts()) is True


# --- Python and SQL agree ---------------------------------------------------------------------

REGIONS = ["eu", "us", "apac", None]
REVISIONS = [1, 2, 2.5, "2", True, None]
AGENTS = ["", "1.0.0", "1.9.3", "1.10.0", "v2.0", "2.0.0-beta.1", "latest"]
INSTALLED = [None, "1.0.0", "1.2", "1.10.0", "2.0.0-rc.1", "2.0.0", "2024.11.3", "weird"]
TAGS = [[], ["beta"], ["beta", "lab"], ["lab"]]


@pytest.fixture
def varied_fleet(db):
    """Devices over two products covering every combination the conditions distinguish."""
    products = [ProductFactory(key="thermostat"), ProductFactory(key="lamp")]
    rows = []
    for index, (region, revision, agent, installed, tags) in enumerate(
        itertools.islice(itertools.product(REGIONS, REVISIONS, AGENTS, INSTALLED, TAGS), 0, None, 7)
    ):
        attributes = {key: value for key, value in (("region", region), ("rev", revision)) if value is not None}
        rows.append(Device(
            uid=f"{'lab' if index % 3 == 0 else 'field'}-{index:04d}", product=products[index % 2],
            attributes=attributes, tags=tags, agent_version=agent,
            installed_versions={"default": installed} if installed else {},
        ))
    Device.objects.bulk_create(rows)
    return list(Device.objects.select_related("product"))


AGREEMENT_CASES = [
    [{"field": "product", "op": "eq", "value": "lamp"}],
    [{"field": "product", "op": "ne", "value": "lamp"}],
    [{"field": "uid", "op": "prefix", "value": "lab-"}],
    [{"field": "uid", "op": "in", "value": ["lab-0000", "field-0001", "nobody"]}],
    [{"field": "tags", "op": "contains", "value": "beta"}],
    [{"field": "agent_version", "op": "eq", "value": "1.9.3"}],
    [{"field": "agent_version", "op": "eq", "value": ""}],
    [{"field": "agent_version", "op": "ne", "value": "1.9.3"}],
    [{"field": "agent_version", "op": "exists"}],
    [{"field": "agent_version", "op": "version_gte", "value": "1.10"}],
    [{"field": "agent_version", "op": "version_lt", "value": "2.0.0"}],
    [{"field": "attributes.region", "op": "eq", "value": "eu"}],
    [{"field": "attributes.region", "op": "ne", "value": "eu"}],
    [{"field": "attributes.region", "op": "in", "value": ["eu", "apac"]}],
    [{"field": "attributes.region", "op": "exists"}],
    [{"field": "attributes.region", "op": "prefix", "value": "a"}],
    [{"field": "attributes.rev", "op": "eq", "value": 2}],
    [{"field": "attributes.rev", "op": "eq", "value": "2"}],
    [{"field": "attributes.rev", "op": "eq", "value": True}],
    [{"field": "attributes.rev", "op": "ne", "value": 2}],
    [{"field": "attributes.rev", "op": "in", "value": [1, "2", 2.5]}],
    [{"field": "attributes.rev", "op": "prefix", "value": "2"}],
    [{"field": "attributes.rev", "op": "version_gt", "value": "1"}],
    [{"field": "installed.default", "op": "eq", "value": "1.2"}],
    [{"field": "installed.default", "op": "exists"}],
    [{"field": "installed.default", "op": "ne", "value": "2.0.0"}],
    [{"field": "installed.default", "op": "prefix", "value": "1."}],
    [{"field": "installed.default", "op": "version_lt", "value": "2.0.0"}],
    [{"field": "installed.default", "op": "version_lte", "value": "1.10"}],
    [{"field": "installed.default", "op": "version_gt", "value": "1.2.0"}],
    [{"field": "installed.default", "op": "version_gte", "value": "2.0.0-rc.1"}],
    [{"field": "installed.other", "op": "version_lt", "value": "9"}],
    [{"field": "attributes.region", "op": "eq", "value": "eu"},
     {"field": "tags", "op": "contains", "value": "lab"},
     {"field": "installed.default", "op": "version_lt", "value": "2.0.0"}],
    [],
]


@pytest.mark.parametrize("case", AGREEMENT_CASES, ids=lambda case: " & ".join(
    f"{c['field']} {c['op']} {c.get('value', '')}" for c in case) or "empty")
def test_python_and_sql_select_the_same_devices(varied_fleet, case):
    cleaned = conditions.validate(case)

    in_python = {device.uid for device in varied_fleet if conditions.matches(cleaned, DeviceFacts.of(device))}
    in_sql = set(filters.matching(cleaned).values_list("uid", flat=True))

    assert in_python == in_sql


def test_the_agreement_cases_split_the_fleet(varied_fleet):
    """Agreement on cases that select nobody or everybody would prove little."""
    splitting = [case for case in AGREEMENT_CASES
                 if 0 < filters.matching(conditions.validate(case)).count() < len(varied_fleet)]

    assert len(splitting) >= len(AGREEMENT_CASES) - 3


def test_the_python_matching_used_without_postgresql_selects_the_same_devices(varied_fleet):
    cleaned = conditions.validate([{"field": "attributes.region", "op": "in", "value": ["eu", "apac"]},
                                   {"field": "installed.default", "op": "version_lt", "value": "2.0.0"}])

    in_python = set(filters.matching_in_python(cleaned, Device.objects.all()).values_list("uid", flat=True))

    assert in_python == set(filters.matching(cleaned).values_list("uid", flat=True))
    assert in_python
