"""``/api/v1/webhooks``: subscriptions, their deliveries and test events, behind the webhooks scopes."""

import pytest
from rest_framework.test import APIClient

from catalog.models import ApiToken, Scope
from webhooks.models import Subscription

URL = "https://hooks.example.com/ota"


def _client_with_scopes(user, *scopes):
    _, plaintext = ApiToken.issue(user, scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    return client


def _create(api, **fields):
    body = {"url": URL, "eventTypes": ["rollout.started"], **fields}
    return api.post("/api/v1/webhooks", body, format="json")


def test_creating_a_subscription_answers_its_secret_once(api, product):
    # When a subscription is created for one product
    response = _create(api, product="thermostat")

    # Then the answer holds a Standard Webhooks secret, stored encrypted and never shown again
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["product"] == "thermostat"
    subscription = Subscription.objects.get(pk=body["id"])
    assert subscription.secret == body["secret"]
    assert body["secret"].encode() not in bytes(subscription.encrypted_secret)
    assert "secret" not in api.get(f"/api/v1/webhooks/{body['id']}").json()


@pytest.mark.parametrize(("fields", "field"), [
    ({"eventTypes": ["rollout.exploded"]}, "eventTypes"),
    ({"eventTypes": []}, "eventTypes"),
    ({"url": "ftp://hooks.example.com/ota"}, "url"),
    ({"product": "no-such-product"}, "product"),
])
def test_an_invalid_field_is_named_in_the_error(api, fields, field):
    response = _create(api, **fields)

    assert response.status_code == 400
    assert field in response.json()


def test_a_host_outside_the_allow_list_is_refused(api, settings):
    # Given an allow-list of receivers
    settings.OTA_WEBHOOK_ALLOWED_HOSTS = ["hooks.internal"]

    # When another host is subscribed
    response = _create(api)

    # Then the URL is refused
    assert response.status_code == 400
    assert response.json() == {"url": ["The host is not in OTA_WEBHOOK_ALLOWED_HOSTS."]}


def test_turning_a_disabled_subscription_on_again_clears_its_failures(api):
    # Given a subscription the portal disabled
    subscription_id = _create(api).json()["id"]
    Subscription.objects.filter(pk=subscription_id).update(is_active=False, consecutive_failures=5,
                                                         disabled_reason="Disabled after 5 messages")

    # When it is turned on again
    response = api.patch(f"/api/v1/webhooks/{subscription_id}", {"isActive": True}, format="json")

    # Then it is active with a fresh failure count
    assert response.status_code == 200
    assert (response.json()["consecutiveFailures"], response.json()["disabledReason"]) == (0, "")


def test_a_test_event_is_accepted_and_listed_in_the_deliveries(api):
    # Given a subscription
    subscription_id = _create(api).json()["id"]

    # When a test event is asked for
    response = api.post(f"/api/v1/webhooks/{subscription_id}/test")

    # Then it is accepted and its delivery is in the log, pending
    assert response.status_code == 202
    deliveries = api.get(f"/api/v1/webhooks/{subscription_id}/deliveries").json()["results"]
    assert [(each["eventType"], each["state"]) for each in deliveries] == [("webhook.test", "pending")]
    assert deliveries[0]["eventId"].startswith("msg_")


def test_reading_needs_the_webhooks_read_scope(admin_user, api):
    # Given a subscription, and a token limited to the rollouts scopes
    _create(api)
    client = _client_with_scopes(admin_user, Scope.ROLLOUTS_READ, Scope.ROLLOUTS_WRITE)

    # Then it may not list subscriptions
    assert client.get("/api/v1/webhooks").status_code == 403


def test_the_read_scope_does_not_allow_writing(admin_user, api):
    # Given a token with webhooks:read only
    subscription_id = _create(api).json()["id"]
    client = _client_with_scopes(admin_user, Scope.WEBHOOKS_READ)

    # Then it lists and reads deliveries but neither creates nor sends test events
    assert client.get("/api/v1/webhooks").status_code == 200
    assert client.get(f"/api/v1/webhooks/{subscription_id}/deliveries").status_code == 200
    assert _create(client).status_code == 403
    assert client.post(f"/api/v1/webhooks/{subscription_id}/test").status_code == 403
    assert client.post(f"/api/v1/webhooks/{subscription_id}/rotate-secret").status_code == 403


def test_rotating_the_secret_answers_a_new_one(api):
    created = _create(api).json()

    response = api.post(f"/api/v1/webhooks/{created['id']}/rotate-secret")

    assert response.status_code == 200
    assert response.json()["secret"] != created["secret"]
    assert Subscription.objects.get(pk=created["id"]).secret == response.json()["secret"]


def test_deleting_a_subscription_needs_the_write_scope(admin_user, api):
    # Given a subscription
    subscription_id = _create(api).json()["id"]

    # When a read-only token and then a full one delete it
    refused = _client_with_scopes(admin_user, Scope.WEBHOOKS_READ).delete(f"/api/v1/webhooks/{subscription_id}")
    deleted = api.delete(f"/api/v1/webhooks/{subscription_id}")

    # Then only the second succeeds
    assert (refused.status_code, deleted.status_code) == (403, 204)
    assert not Subscription.objects.exists()
