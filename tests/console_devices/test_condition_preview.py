"""The condition builder's live preview: the filter service's count and a few uids, or the errors."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import DeviceFactory, UserFactory

pytestmark = pytest.mark.django_db

PREVIEW = reverse("admin:rollouts_devicefilter_preview")
EU = [{"field": "attributes.region", "op": "eq", "value": "eu"}]


def ask(client, body):
    return client.post(PREVIEW, json.dumps(body), content_type="application/json")


def test_the_preview_counts_the_matching_devices_and_names_a_few(admin_client, product):
    for uid, region in [("eu-1", "eu"), ("eu-2", "eu"), ("us-1", "us")]:
        DeviceFactory(uid=uid, product=product, attributes={"region": region})

    answer = ask(admin_client, {"conditions": EU})

    assert answer.status_code == 200
    assert answer.json() == {"count": 2, "exact": True, "method": "count", "uids": ["eu-1", "eu-2"]}


def test_no_condition_matches_every_device(admin_client, product):
    DeviceFactory.create_batch(3, product=product)

    assert ask(admin_client, {"conditions": []}).json()["count"] == 3


def test_a_bad_condition_is_a_400_naming_its_index_and_key(admin_client):
    answer = ask(admin_client, {"conditions": [{"field": "tags", "op": "version_lt", "value": "1.0"}]})

    assert answer.status_code == 400
    assert answer.json()["errors"] == {"conditions[0].op": ["version_lt does not apply to tags."]}


@pytest.mark.parametrize(("body", "field"),
                         [("not json", "body"), ("[]", "conditions"), ("{}", "conditions")])
def test_a_body_that_is_not_an_object_with_conditions_is_a_400(admin_client, body, field):
    answer = admin_client.post(PREVIEW, body, content_type="application/json")

    assert answer.status_code == 400 and field in answer.json()["errors"]


def test_too_many_conditions_are_refused(admin_client):
    answer = ask(admin_client, {"conditions": [EU[0]] * 51})

    assert answer.status_code == 400 and "At most 50 conditions" in answer.json()["errors"]["conditions"][0]


def test_the_preview_changes_nothing_and_answers_only_post(admin_client):
    assert admin_client.get(PREVIEW).status_code == 405


def test_a_user_who_may_not_see_devices_gets_no_preview(client):
    user = UserFactory(username="filters-only", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_devicefilter"))
    client.force_login(user)

    assert ask(client, {"conditions": EU}).status_code == 403


def test_the_builder_is_configured_from_the_operators_of_rollouts_conditions(admin_client):
    page = admin_client.get(reverse("admin:rollouts_devicefilter_add")).content.decode()

    config = json.loads(page.split('data-ota-editor="conditions" data-ota-config="')[1].split('"><')[0]
                        .replace("&quot;", '"'))
    operators = {op["name"]: op["kinds"] for op in config["operators"]}
    assert operators["contains"] == ["tags"] and "attributes" in operators["version_lt"]
    assert config["preview_url"] == PREVIEW


def test_a_nul_character_in_a_condition_is_a_400_not_a_database_error(admin_client):
    answer = ask(admin_client, {"conditions": [{"field": "attributes.region", "op": "eq", "value": "e\u0000u"}]})

    assert answer.status_code == 400
    assert "NUL" in str(answer.json()["errors"])


def test_a_body_nested_too_deep_to_read_is_a_400(admin_client):
    answer = admin_client.post(PREVIEW, "[" * 100_000 + "]" * 100_000, content_type="application/json")

    assert answer.status_code == 400 and "body" in answer.json()["errors"]
