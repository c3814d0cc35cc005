"""Device filters in the admin: JSON conditions validated by rollouts.conditions, and a device count."""

import pytest
from django.urls import reverse

from rollouts.models import DeviceFilter
from tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db

ADD = "admin:rollouts_devicefilter_add"


def test_a_filter_with_valid_conditions_is_saved_normalised(admin_client):
    response = admin_client.post(reverse(ADD), {
        "name": "EU ring", "description": "", "conditions": '[{"field": "attributes.region", "op": "eq", "value": "eu"}]',
    })

    assert response.status_code == 302
    assert DeviceFilter.objects.get(name="EU ring").conditions == [
        {"field": "attributes.region", "op": "eq", "value": "eu"}]


@pytest.mark.parametrize(("conditions", "error"), [
    ("not json", "Enter a valid JSON."),
    ('{"field": "uid"}', "Give a list of {field, op, value} objects."),
    ('[{"field": "uid", "op": "sounds_like", "value": "x"}]', "conditions[0].op: Unknown operator 'sounds_like'"),
    ('[{"field": "colour", "op": "eq", "value": "x"}]', "conditions[0].field:"),
])
def test_bad_conditions_are_refused_naming_the_condition(admin_client, conditions, error):
    response = admin_client.post(reverse(ADD), {"name": "broken", "description": "", "conditions": conditions})

    assert response.status_code == 200
    assert any(message.startswith(error) for message in response.context["adminform"].form.errors["conditions"]), \
        response.context["adminform"].form.errors
    assert not DeviceFilter.objects.filter(name="broken").exists()


def test_the_change_page_counts_the_devices_the_filter_matches(admin_client, product, beta_filter):
    for ring in ("beta", "beta", "stable"):
        DeviceFactory(product=product, attributes={"ring": ring})

    response = admin_client.get(reverse("admin:rollouts_devicefilter_change", args=[beta_filter.pk]))

    assert b'<div class="readonly">2</div>' in response.content


def test_the_change_page_names_the_rollouts_using_the_filter(admin_client, running, beta_filter):
    from rollouts.services import transitions

    transitions.set_policy(running, filters=[transitions.FilterSpec(beta_filter)])

    response = admin_client.get(reverse("admin:rollouts_devicefilter_change", args=[beta_filter.pk]))

    assert str(running.release).encode() in response.content


def test_a_filter_in_use_cannot_be_deleted(admin_client, running, beta_filter):
    from rollouts.services import transitions

    transitions.set_policy(running, filters=[transitions.FilterSpec(beta_filter)])

    admin_client.post(reverse("admin:rollouts_devicefilter_delete", args=[beta_filter.pk]), {"post": "yes"})

    assert DeviceFilter.objects.filter(pk=beta_filter.pk).exists()
